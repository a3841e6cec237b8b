"""Archive-IO: archival of relational tables to Iceberg and of small S3 files to Glacier."""

__version__ = "0.1.0"
