# The data KMS key, and Lake Formation over the Iceberg warehouse: the databases' locations
# registered, and a read-only consumer role granted SELECT and DESCRIBE on all their tables.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region
  root_arn   = "arn:${local.partition}:iam::${local.account_id}:root"
  catalog    = "arn:${local.partition}:glue:${local.region}:${local.account_id}"

  # The listed databases' locations (<warehouse>/<database>.db, as the metadata module sets
  # them), not the whole bucket: a namespace the app creates on demand stays under IAM alone,
  # so creating its tables needs no Lake Formation data location permission.
  database_locations = { for database in var.glue_catalog_databases : database => "${var.warehouse_bucket_arn}/${database}.db" }
}

# --- The data KMS key: buckets and tables of the data stack ---

data "aws_iam_policy_document" "data_key" {
  #checkov:skip=CKV_AWS_109:A key policy's Resource "*" is this key only; administration stays with the account.
  #checkov:skip=CKV_AWS_111:A key policy's Resource "*" is this key only; administration stays with the account.
  #checkov:skip=CKV_AWS_356:A key policy's Resource "*" is this key only.

  # The account administers the key; IAM policies decide which principals do.
  statement {
    sid = "AccountAdministersKey"
    actions = [
      "kms:CancelKeyDeletion",
      "kms:Create*",
      "kms:Delete*",
      "kms:Describe*",
      "kms:Disable*",
      "kms:Enable*",
      "kms:Get*",
      "kms:List*",
      "kms:Put*",
      "kms:Revoke*",
      "kms:RotateKeyOnDemand",
      "kms:ScheduleKeyDeletion",
      "kms:TagResource",
      "kms:UntagResource",
      "kms:Update*",
    ]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }
  }

  # Principals of the account that IAM allows may use the key, but only through the services
  # that store the data (S3 buckets, DynamoDB tables): never to decrypt arbitrary ciphertext.
  statement {
    sid = "AccountUsesKeyThroughDataServices"
    actions = [
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
    ]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values = [
        "s3.${local.region}.amazonaws.com",
        "dynamodb.${local.region}.amazonaws.com",
      ]
    }
  }
}

resource "aws_kms_key" "data" {
  description             = "${var.name_prefix} data: buckets and DynamoDB tables"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  policy                  = data.aws_iam_policy_document.data_key.json

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_kms_alias" "data" {
  name          = "alias/${var.name_prefix}-data"
  target_key_id = aws_kms_key.data.key_id
}

# --- Lake Formation: the databases' locations in the warehouse ---

data "aws_iam_policy_document" "lakeformation_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lakeformation.amazonaws.com"]
    }
  }
}

# A role of our own rather than the service-linked role: it may use the customer managed key.
resource "aws_iam_role" "lakeformation" {
  name               = "${var.name_prefix}-lakeformation"
  description        = "Lake Formation reads the ${var.name_prefix} warehouse for the principals it grants."
  assume_role_policy = data.aws_iam_policy_document.lakeformation_assume.json
}

# Read-only: the only Lake Formation grants are reads; the app writes through IAM.
data "aws_iam_policy_document" "lakeformation" {
  statement {
    sid       = "ListDatabaseLocations"
    actions   = ["s3:ListBucket"]
    resources = [var.warehouse_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [for database in keys(local.database_locations) : "${database}.db/*"]
    }
  }

  statement {
    sid       = "ReadDatabaseLocations"
    actions   = ["s3:GetObject"]
    resources = [for location in values(local.database_locations) : "${location}/*"]
  }

  statement {
    sid       = "DecryptWarehouse"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.data.arn]
  }
}

resource "aws_iam_role_policy" "lakeformation" {
  name   = "read-database-locations"
  role   = aws_iam_role.lakeformation.id
  policy = data.aws_iam_policy_document.lakeformation.json
}

resource "aws_lakeformation_resource" "database" {
  for_each = local.database_locations

  arn      = each.value
  role_arn = aws_iam_role.lakeformation.arn
}

# --- The read-only consumer (analysts' queries through Athena and other engines) ---

data "aws_iam_policy_document" "consumer_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = var.consumer_principals
    }
  }
}

resource "aws_iam_role" "consumer" {
  name               = "${var.name_prefix}-consumer"
  description        = "Read-only access to the ${var.name_prefix} Iceberg archive, governed by Lake Formation."
  assume_role_policy = data.aws_iam_policy_document.consumer_assume.json
}

# Catalog reads through IAM; the data itself through Lake Formation's temporary credentials.
data "aws_iam_policy_document" "consumer" {
  statement {
    sid = "ReadCatalog"
    actions = [
      "glue:BatchGetPartition",
      "glue:GetDatabase",
      "glue:GetDatabases",
      "glue:GetPartition",
      "glue:GetPartitions",
      "glue:GetTable",
      "glue:GetTables",
    ]
    resources = concat(
      ["${local.catalog}:catalog"],
      [for database in var.glue_catalog_databases : "${local.catalog}:database/${database}"],
      [for database in var.glue_catalog_databases : "${local.catalog}:table/${database}/*"],
    )
  }

  statement {
    sid     = "LakeFormationCredentials"
    actions = ["lakeformation:GetDataAccess"]
    # GetDataAccess has no resource-level permissions; Lake Formation grants decide the data.
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "consumer" {
  name   = "read-archive"
  role   = aws_iam_role.consumer.id
  policy = data.aws_iam_policy_document.consumer.json
}

resource "aws_lakeformation_permissions" "database" {
  for_each = toset(var.glue_catalog_databases)

  principal   = aws_iam_role.consumer.arn
  permissions = ["DESCRIBE"]

  database {
    name = each.key
  }
}

resource "aws_lakeformation_permissions" "tables" {
  for_each = toset(var.glue_catalog_databases)

  principal   = aws_iam_role.consumer.arn
  permissions = ["SELECT", "DESCRIBE"]

  table {
    database_name = each.key
    wildcard      = true
  }

  # Lake Formation serves the data only from a registered location.
  depends_on = [aws_lakeformation_resource.database]
}
