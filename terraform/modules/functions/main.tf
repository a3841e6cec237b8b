locals {
  runtime = "python3.11"

  function_names = { for key, _ in var.functions : key => "${var.name}-${replace(key, "_", "-")}" }
}

data "aws_caller_identity" "current" {}

# The version ids pin what deploy.sh uploaded: a new upload under the same key updates the code.
data "aws_s3_object" "layer" {
  bucket = var.artifacts_bucket
  key    = var.layer_key
}

data "aws_s3_object" "code" {
  for_each = var.functions

  bucket = var.artifacts_bucket
  key    = "${var.function_zip_prefix}${each.key}.zip"
}

# The project and its dependencies, shared by every function (handlers are thin).
resource "aws_lambda_layer_version" "this" {
  layer_name               = "${var.name}-python"
  description              = "archive_io and its dependencies"
  s3_bucket                = var.artifacts_bucket
  s3_key                   = var.layer_key
  s3_object_version        = data.aws_s3_object.layer.version_id
  compatible_runtimes      = [local.runtime]
  compatible_architectures = ["x86_64"]
}

resource "aws_cloudwatch_log_group" "this" {
  for_each = var.functions

  name              = "/aws/lambda/${local.function_names[each.key]}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

# Where asynchronous invocations (the schedule) land once Lambda's retries are spent.
resource "aws_sqs_queue" "dlq" {
  for_each = var.functions

  name                      = "${local.function_names[each.key]}-dlq"
  kms_master_key_id         = var.kms_key_arn
  message_retention_seconds = 1209600
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = var.functions

  name               = local.function_names[each.key]
  description        = "Lambda function ${local.function_names[each.key]}"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "this" {
  for_each = var.functions

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this[each.key].arn}:*"]
  }

  statement {
    sid = "Tracing"
    # X-Ray has no resource-level permissions.
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  statement {
    sid       = "DeadLetterQueue"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq[each.key].arn]
  }

  statement {
    sid       = "Keys"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn, var.data_kms_key_arn]
  }

  dynamic "statement" {
    for_each = each.value.in_vpc ? [1] : []

    content {
      sid = "VpcAccess"
      # Lambda manages the function's network interfaces: their ids are not known in advance.
      actions = [
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ]
      resources = ["*"]
    }
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
  for_each = var.functions

  name   = "access"
  role   = aws_iam_role.this[each.key].id
  policy = data.aws_iam_policy_document.this[each.key].json
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_272:code signing would need a Signer job in deploy.sh; the zips come from the repository through the versioned, KMS-encrypted artifacts bucket, which only the deploy role writes
  for_each = var.functions

  function_name     = local.function_names[each.key]
  description       = each.value.description
  role              = aws_iam_role.this[each.key].arn
  runtime           = local.runtime
  handler           = "handler.lambda_handler"
  s3_bucket         = var.artifacts_bucket
  s3_key            = data.aws_s3_object.code[each.key].key
  s3_object_version = data.aws_s3_object.code[each.key].version_id
  layers            = [aws_lambda_layer_version.this.arn]
  timeout           = each.value.timeout
  memory_size       = each.value.memory_size
  kms_key_arn       = var.kms_key_arn

  reserved_concurrent_executions = each.value.reserved_concurrency == null ? -1 : each.value.reserved_concurrency

  environment {
    variables = var.environment
  }

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq[each.key].arn
  }

  dynamic "vpc_config" {
    for_each = each.value.in_vpc ? [1] : []

    content {
      subnet_ids         = var.subnet_ids
      security_group_ids = var.security_group_ids
    }
  }

  # The log group first, with its retention and key, before Lambda would create one.
  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.this]
}
