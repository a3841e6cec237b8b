# The DynamoDB tables (names and keys as in src/archive_io/names.py and
# src/archive_io/local/resources.py) and the Glue catalog databases of the Iceberg archive.

locals {
  # Tables keyed by one string attribute. None has a TTL: runs, purges and restores are the audit
  # trail, and a lock is released by its run or taken over once its run has ended
  # (archive_io.aws.locks), never by time, as a purge may hold it for days.
  keyed_tables = {
    # One item per run (table or file archival, purge, restore).
    runs = { hash_key = "run_id" }
    # One item per source table or prefix being archived.
    locks = { hash_key = "lock_id" }
    # One item per purge, legal hold change or refusal: the audit of what left the archive.
    purges = { hash_key = "purge_id" }
    # One item per restore request.
    restores = { hash_key = "restore_id" }
  }
}

resource "aws_dynamodb_table" "keyed" {
  for_each = local.keyed_tables

  name                        = "${var.name_prefix}-${each.key}"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = each.value.hash_key
  deletion_protection_enabled = true

  attribute {
    name = each.value.hash_key
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  lifecycle {
    prevent_destroy = true
  }
}

# One item per archived file: the project, then the file's original key, so a restore finds
# a key with one read and a prefix with one query. by_name ("<project>|<file name>") lists
# every key of a file name. Same keys as archive_io.files.index.create_index_table.
resource "aws_dynamodb_table" "file_index" {
  name                        = "${var.name_prefix}-file-index"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "project"
  range_key                   = "key"
  deletion_protection_enabled = true

  attribute {
    name = "project"
    type = "S"
  }

  attribute {
    name = "key"
    type = "S"
  }

  attribute {
    name = "name"
    type = "S"
  }

  global_secondary_index {
    name            = "by_name"
    hash_key        = "name"
    range_key       = "key"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  lifecycle {
    prevent_destroy = true
  }
}

# The Iceberg namespaces known in advance. The app creates any other archive_<db>_<schema>
# namespace on demand; a database listed here gets the Lake Formation grants (governance).
resource "aws_glue_catalog_database" "this" {
  for_each = toset(var.glue_catalog_databases)

  name        = each.key
  description = "Archive-IO Iceberg namespace ${each.key}"
  # Where pyiceberg and Spark put a namespace's tables by default: <warehouse>/<namespace>.db
  location_uri = "s3://${var.warehouse_bucket_name}/${each.key}.db"

  # The app's roles reach the tables through IAM; Lake Formation grants add the read-only
  # consumer without taking that access away.
  create_table_default_permission {
    permissions = ["ALL"]

    principal {
      data_lake_principal_identifier = "IAM_ALLOWED_PRINCIPALS"
    }
  }

  lifecycle {
    prevent_destroy = true
  }
}
