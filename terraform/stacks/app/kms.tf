# The application's key: logs, dead-letter queues, topics, function environments, ECR, Glue
# logs and bookmarks. Data at rest (buckets, tables) stays under the data stack's key.

data "aws_iam_policy_document" "app_key" {
  #checkov:skip=CKV_AWS_109:a key policy's "*" resource is this key; administration stays with the account (IAM decides who)
  #checkov:skip=CKV_AWS_111:a key policy's "*" resource is this key; administration stays with the account (IAM decides who)
  #checkov:skip=CKV_AWS_356:a key policy's "*" resource is this key
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "LogGroups"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values = [
        "arn:aws:logs:${var.region}:${local.account_id}:log-group:/aws/lambda/${local.prefix}-*",
        "arn:aws:logs:${var.region}:${local.account_id}:log-group:/aws/vendedlogs/states/${local.prefix}-*",
        "arn:aws:logs:${var.region}:${local.account_id}:log-group:/aws/batch/${local.prefix}-*",
        "arn:aws:logs:${var.region}:${local.account_id}:log-group:/aws/apigateway/${local.prefix}-*",
        "arn:aws:logs:${var.region}:${local.account_id}:log-group:API-Gateway-Execution-Logs_*",
        "arn:aws:logs:${var.region}:${local.account_id}:log-group:/aws-glue/*",
      ]
    }
  }

  # Alarms publish to the encrypted alarm topic.
  statement {
    sid       = "AlarmsPublish"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  # EventBridge rules publish to the alarm topic and send undeliverable schedule events to the
  # encrypted dead-letter queue. No source condition: EventBridge's KMS requests carry none.
  statement {
    sid       = "EventsDeliver"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "app" {
  description             = "Archive-IO ${var.env} application: logs, queues, topics, function environments, images"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.app_key.json
}

resource "aws_kms_alias" "app" {
  name          = "alias/${local.prefix}-app"
  target_key_id = aws_kms_key.app.key_id
}
