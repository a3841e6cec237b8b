locals {
  names = { for flow, _ in var.state_machines : flow => "${var.name}-${replace(flow, "_", "-")}" }

  region  = data.aws_region.current.region
  account = data.aws_caller_identity.current.account_id

  # Least privilege from the placeholders: a flow may use exactly what its definition names.
  functions = {
    for flow, vars in var.state_machines : flow => distinct([for key, value in vars : value if endswith(key, "_function_arn")])
  }
  glue_jobs = {
    for flow, vars in var.state_machines : flow => distinct([
      for key, value in vars : "arn:aws:glue:${local.region}:${local.account}:job/${value}" if endswith(key, "_job_name")
    ])
  }
  tables = {
    for flow, vars in var.state_machines : flow => distinct([
      for key, value in vars : "arn:aws:dynamodb:${local.region}:${local.account}:table/${value}" if endswith(key, "_table_name")
    ])
  }
  topics = {
    for flow, vars in var.state_machines : flow => distinct(concat(
      [for key, value in vars : value if endswith(key, "_topic_arn")],
      [var.notifications_topic_arn],
    ))
  }
  batch = {
    for flow, vars in var.state_machines : flow => distinct([
      for key, value in vars : value if endswith(key, "_job_queue_arn") || endswith(key, "_job_definition_arn")
    ])
  }
}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

resource "aws_cloudwatch_log_group" "this" {
  for_each = var.state_machines

  name              = "/aws/vendedlogs/states/${local.names[each.key]}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = var.state_machines

  name               = local.names[each.key]
  description        = "State machine ${local.names[each.key]}"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "this" {
  for_each = var.state_machines

  statement {
    sid = "LogDelivery"
    # CloudWatch Logs delivery for Step Functions has no resource-level permissions.
    actions = [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }

  statement {
    sid = "Tracing"
    # X-Ray has no resource-level permissions.
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }

  statement {
    sid       = "Keys"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = var.kms_key_arns
  }

  statement {
    sid       = "Notify"
    actions   = ["sns:Publish"]
    resources = local.topics[each.key]
  }

  dynamic "statement" {
    for_each = length(local.functions[each.key]) > 0 ? [1] : []

    content {
      sid       = "InvokeFunctions"
      actions   = ["lambda:InvokeFunction"]
      resources = concat(local.functions[each.key], [for arn in local.functions[each.key] : "${arn}:*"])
    }
  }

  dynamic "statement" {
    for_each = length(local.glue_jobs[each.key]) > 0 ? [1] : []

    content {
      sid       = "RunGlueJobs"
      actions   = ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"]
      resources = local.glue_jobs[each.key]
    }
  }

  dynamic "statement" {
    for_each = length(local.tables[each.key]) > 0 ? [1] : []

    content {
      sid       = "RecordRuns"
      actions   = ["dynamodb:UpdateItem"]
      resources = local.tables[each.key]
    }
  }

  dynamic "statement" {
    for_each = length(local.batch[each.key]) > 0 ? [1] : []

    content {
      sid       = "SubmitBatchJobs"
      actions   = ["batch:SubmitJob"]
      resources = local.batch[each.key]
    }
  }

  dynamic "statement" {
    for_each = length(local.batch[each.key]) > 0 ? [1] : []

    content {
      sid       = "StopBatchJobs"
      actions   = ["batch:TerminateJob"]
      resources = ["arn:aws:batch:${local.region}:${local.account}:job/*"]
    }
  }

  dynamic "statement" {
    for_each = length(local.batch[each.key]) > 0 ? [1] : []

    content {
      sid = "DescribeBatchJobs"
      # DescribeJobs has no resource-level permissions.
      actions   = ["batch:DescribeJobs"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = length(local.batch[each.key]) > 0 ? [1] : []

    content {
      sid = "BatchJobEvents"
      # The .sync integration learns of job ends through this managed rule.
      actions   = ["events:PutTargets", "events:PutRule", "events:DescribeRule"]
      resources = ["arn:aws:events:${local.region}:${local.account}:rule/StepFunctionsGetEventsForBatchJobsRule"]
    }
  }
}

resource "aws_iam_role_policy" "this" {
  for_each = var.state_machines

  name   = "access"
  role   = aws_iam_role.this[each.key].id
  policy = data.aws_iam_policy_document.this[each.key].json
}

resource "aws_sfn_state_machine" "this" {
  #checkov:skip=CKV_AWS_285:execution data (inputs, outputs: table names, conditions, error causes) stays out of CloudWatch Logs on purpose; the events are logged and Step Functions keeps the full history
  for_each = var.state_machines

  name     = local.names[each.key]
  type     = "STANDARD"
  role_arn = aws_iam_role.this[each.key].arn
  # The same ASL the embedded platform runs; only the placeholders differ.
  definition = templatefile("${path.root}/../../../stepfunctions/${each.key}.asl.json", each.value)

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.this[each.key].arn}:*"
    include_execution_data = false
    level                  = var.log_level
  }

  tracing_configuration {
    enabled = true
  }

  depends_on = [aws_iam_role_policy.this]
}
