locals {
  job_names = { for key, _ in var.jobs : key => "${var.name}-${replace(key, "_", "-")}" }

  # The settings as job arguments; Glue jobs have no AWS_REGION in their environment.
  setting_arguments = merge(
    { for key, value in var.settings : "--${key}" => value },
    { "--AWS_REGION" = data.aws_region.current.region },
  )

  # The project and all its dependencies as wheels in S3, installed by pip with no index: the
  # jobs run in private subnets, with no route to PyPI.
  common_arguments = {
    "--additional-python-modules"       = join(",", [for key in var.wheel_keys : "s3://${var.artifacts_bucket}/${key}"])
    "--python-modules-installer-option" = "--no-index"
  }

  # What Glue must know before it starts the SparkContext (archive_io.spark.session.glue_conf):
  # the Iceberg catalog `archive` over the Glue Data Catalog and UTC everywhere.
  spark_conf = {
    "spark.sql.extensions"                    = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"
    "spark.sql.catalog.archive"               = "org.apache.iceberg.spark.SparkCatalog"
    "spark.sql.catalog.archive.warehouse"     = "s3://${var.warehouse_bucket}/"
    "spark.sql.catalog.archive.cache-enabled" = "false"
    "spark.sql.session.timeZone"              = "UTC"
    "spark.sql.catalog.archive.catalog-impl"  = "org.apache.iceberg.aws.glue.GlueCatalog"
    "spark.sql.catalog.archive.io-impl"       = "org.apache.iceberg.aws.s3.S3FileIO"
    "spark.driver.extraJavaOptions"           = "-Duser.timezone=UTC"
    "spark.executor.extraJavaOptions"         = "-Duser.timezone=UTC"
  }

  job_arguments = {
    "--job-language"                     = "python"
    "--enable-metrics"                   = "true"
    "--enable-continuous-cloudwatch-log" = "true"
    "--continuous-log-logGroup"          = aws_cloudwatch_log_group.this.name
    "--enable-observability-metrics"     = "true"
  }

  spark_arguments = {
    "--datalake-formats" = "iceberg"
    # archive_io.spark reads MySQL/MariaDB with MariaDB Connector/J (org.mariadb.jdbc.Driver), as tested.
    "--extra-jars" = join(",", [for key in var.jdbc_driver_keys : "s3://${var.artifacts_bucket}/${key}"])
    # Glue takes one --conf; the further settings follow inside its value.
    "--conf" = join(" --conf ", [for key, value in local.spark_conf : "${key}=${value}"])
  }

  connection_names = [for subnet, _ in var.subnet_availability_zones : "${var.name}-network-${subnet}"]
}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

resource "aws_glue_connection" "network" {
  for_each = var.subnet_availability_zones

  name            = "${var.name}-network-${each.key}"
  description     = "Archive-IO jobs' network interfaces in ${each.key} (${each.value}), to the private source databases"
  connection_type = "NETWORK"

  physical_connection_requirements {
    availability_zone      = each.value
    subnet_id              = each.key
    security_group_id_list = var.security_group_ids
  }
}

resource "aws_glue_security_configuration" "this" {
  name = "${var.name}-jobs"

  encryption_configuration {
    cloudwatch_encryption {
      cloudwatch_encryption_mode = "SSE-KMS"
      kms_key_arn                = var.kms_key_arn
    }

    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "CSE-KMS"
      kms_key_arn                   = var.kms_key_arn
    }

    s3_encryption {
      s3_encryption_mode = "SSE-KMS"
      kms_key_arn        = var.data_kms_key_arn
    }
  }
}

# The jobs' continuous logs (driver and executors), with retention and the application key.
resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws-glue/jobs/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = var.jobs

  name               = local.job_names[each.key]
  description        = "Glue job ${local.job_names[each.key]}"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "this" {
  for_each = var.jobs

  statement {
    sid     = "Artifacts"
    actions = ["s3:GetObject"]
    resources = concat([
      "arn:aws:s3:::${var.artifacts_bucket}/glue_jobs/${each.key}.py",
      "arn:aws:s3:::${var.artifacts_bucket}/${var.wheel_prefix}*",
      ], each.value.engine == "spark" ? [
      for key in var.jdbc_driver_keys : "arn:aws:s3:::${var.artifacts_bucket}/${key}"
    ] : [])
  }

  statement {
    sid     = "Logs"
    actions = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]
    # Glue also writes its own groups under /aws-glue/ (named after the security configuration).
    resources = [
      "${aws_cloudwatch_log_group.this.arn}:*",
      "arn:aws:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:log-group:/aws-glue/*",
    ]
  }

  statement {
    sid       = "Metrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["Glue"]
    }
  }

  statement {
    sid       = "Keys"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn, var.data_kms_key_arn]
  }

  statement {
    sid     = "Connections"
    actions = ["glue:GetConnection"]
    resources = concat(
      ["arn:aws:glue:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:catalog"],
      [for name in local.connection_names : "arn:aws:glue:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:connection/${name}"],
    )
  }

  statement {
    sid = "NetworkDescribe"
    # Describe calls have no resource-level permissions.
    actions = [
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeRouteTables",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSubnets",
      "ec2:DescribeVpcEndpoints",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "NetworkVpc"
    actions   = ["ec2:DescribeVpcAttribute"]
    resources = ["arn:aws:ec2:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:vpc/${var.vpc_id}"]
  }

  statement {
    sid = "NetworkInterfaces"
    # Glue creates the job's network interfaces in the connection's subnet with its security groups.
    actions = ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:CreateTags", "ec2:DeleteTags"]
    resources = concat(
      ["arn:aws:ec2:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:network-interface/*"],
      [for subnet, _ in var.subnet_availability_zones : "arn:aws:ec2:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:subnet/${subnet}"],
      [for group in var.security_group_ids : "arn:aws:ec2:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:security-group/${group}"],
    )
  }

  dynamic "statement" {
    for_each = [for s in each.value.statements : s if length(s.resources) > 0]

    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}

resource "aws_iam_role_policy" "this" {
  for_each = var.jobs

  name   = "access"
  role   = aws_iam_role.this[each.key].id
  policy = data.aws_iam_policy_document.this[each.key].json
}

resource "aws_glue_job" "this" {
  for_each = var.jobs

  name                   = local.job_names[each.key]
  description            = each.value.description
  role_arn               = aws_iam_role.this[each.key].arn
  connections            = [for connection in aws_glue_connection.network : connection.name]
  security_configuration = aws_glue_security_configuration.this.name
  timeout                = each.value.timeout
  # Retries belong to the flow, which knows whether the step is safe to repeat.
  max_retries = 0
  # Runs wait for capacity instead of failing when the account's Glue limits are reached.
  job_run_queuing_enabled = true

  # Glue 5.0: Python 3.11, which the project needs (Python shell jobs offer 3.9 at most), and Spark 3.5.
  # A single-node job uses the driver alone, on the smallest allowed job: 2 G.1X workers.
  glue_version      = "5.0"
  worker_type       = "G.1X"
  number_of_workers = each.value.engine == "spark" ? var.spark_workers : 2

  command {
    name            = "glueetl"
    script_location = "s3://${var.artifacts_bucket}/glue_jobs/${each.key}.py"
    python_version  = "3"
  }

  default_arguments = merge(
    local.common_arguments,
    local.job_arguments,
    each.value.engine == "spark" ? local.spark_arguments : {},
    local.setting_arguments,
  )

  # A run per table of every run in flight (the flows' Map fans out).
  execution_property {
    max_concurrent_runs = 50
  }

  depends_on = [aws_iam_role_policy.this]
}
