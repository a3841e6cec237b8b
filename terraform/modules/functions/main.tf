locals {
  function_names = { for key, _ in var.functions : key => "${var.name}-${replace(key, "_", "-")}" }
}

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

# One image for every function (lambdas/Dockerfile), pushed by deploy.sh: the project and its
# dependencies unzip to over 600 MiB, past the 250 MiB Lambda allows zips and layers.
module "repository" {
  source = "../image_repository"

  name        = "${var.name}-functions"
  kms_key_arn = var.kms_key_arn
}

# Lambda pulls the image when a function is created or its code updated, for this environment's
# functions only. By name, not by ARN: the functions are created after this policy.
data "aws_iam_policy_document" "pull" {
  statement {
    sid     = "LambdaPull"
    actions = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringLike"
      variable = "aws:sourceArn"
      values   = ["arn:aws:lambda:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:function:${var.name}-*"]
    }
  }
}

resource "aws_ecr_repository_policy" "this" {
  repository = module.repository.name
  policy     = data.aws_iam_policy_document.pull.json
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
  #checkov:skip=CKV_AWS_272:functions defined as container images do not support Lambda code signing; the image comes from an immutable-tag, scanned, KMS-encrypted ECR repository that only the deploy role pushes to
  for_each = var.functions

  function_name = local.function_names[each.key]
  description   = each.value.description
  role          = aws_iam_role.this[each.key].arn
  package_type  = "Image"
  image_uri     = "${module.repository.repository_url}:${var.image_tag}"
  architectures = ["x86_64"]
  timeout       = each.value.timeout
  memory_size   = each.value.memory_size
  kms_key_arn   = var.kms_key_arn

  # The one image holds every handler: each function starts its own.
  image_config {
    command = ["lambdas.${each.key}.handler.lambda_handler"]
  }

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

  # The log group first, with its retention and key, before Lambda would create one; the
  # repository policy before Lambda pulls the image.
  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.this, aws_ecr_repository_policy.this]
}
