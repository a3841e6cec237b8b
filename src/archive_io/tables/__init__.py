"""Table archival: sources, SQL planning, the Iceberg sink, validation."""
