"""DataFrame transforms used by the Glue Spark jobs (SparkSession and DataFrame code; no GlueContext)."""
