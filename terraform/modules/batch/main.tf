locals {
  job_name = "${var.name}-bundler"
}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

module "repository" {
  source = "../image_repository"

  name        = local.job_name
  kms_key_arn = var.kms_key_arn
}

resource "aws_cloudwatch_log_group" "bundler" {
  name              = "/aws/batch/${local.job_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

# The execution role: what ECS needs to start the task (pull the image, write its logs).
resource "aws_iam_role" "execution" {
  name               = "${local.job_name}-execution"
  description        = "ECS task execution of the ${local.job_name} Batch jobs"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid = "RegistryLogin"
    # GetAuthorizationToken has no resource-level permissions.
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [module.repository.arn]
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.bundler.arn}:*"]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "access"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# The job role: what the bundler itself does.
resource "aws_iam_role" "job" {
  name               = "${local.job_name}-job"
  description        = "The ${local.job_name} Batch job (one bundle of a file archival run)"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "job" {
  statement {
    sid       = "DataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.data_kms_key_arn]
  }

  dynamic "statement" {
    for_each = [for s in var.job_statements : s if length(s.resources) > 0]

    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}

resource "aws_iam_role_policy" "job" {
  name   = "access"
  role   = aws_iam_role.job.id
  policy = data.aws_iam_policy_document.job.json
}

# Fargate: no instances to patch; Batch uses its service-linked role.
resource "aws_batch_compute_environment" "fargate" {
  name  = "${var.name}-fargate"
  type  = "MANAGED"
  state = "ENABLED"

  compute_resources {
    type               = "FARGATE"
    max_vcpus          = var.max_vcpus
    subnets            = var.subnet_ids
    security_group_ids = var.security_group_ids
  }
}

resource "aws_batch_job_queue" "jobs" {
  name     = "${var.name}-jobs"
  state    = "ENABLED"
  priority = 1

  compute_environment_order {
    order               = 1
    compute_environment = aws_batch_compute_environment.fargate.arn
  }
}

resource "aws_batch_job_definition" "bundler" {
  name                  = local.job_name
  type                  = "container"
  platform_capabilities = ["FARGATE"]
  propagate_tags        = true

  # The flow submits `--run_id RUN --bundle N` as the command (the image's entry point is the bundler).
  container_properties = jsonencode({
    image            = "${module.repository.repository_url}:${var.image_tag}"
    jobRoleArn       = aws_iam_role.job.arn
    executionRoleArn = aws_iam_role.execution.arn
    resourceRequirements = [
      { type = "VCPU", value = tostring(var.vcpu) },
      { type = "MEMORY", value = tostring(var.memory) },
    ]
    environment = [
      for key, value in merge(var.environment, { AWS_REGION = data.aws_region.current.region }) : { name = key, value = value }
    ]
    readonlyRootFilesystem       = true
    privileged                   = false
    networkConfiguration         = { assignPublicIp = "DISABLED" }
    fargatePlatformConfiguration = { platformVersion = "LATEST" }
    runtimePlatform              = { operatingSystemFamily = "LINUX", cpuArchitecture = "X86_64" }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.bundler.name
        awslogs-region        = data.aws_region.current.region
        awslogs-stream-prefix = "bundler"
      }
    }
  })

  # One attempt: the flow retries Batch service errors, and a failed bundle is recorded FAILED.
  retry_strategy {
    attempts = 1
  }

  timeout {
    attempt_duration_seconds = 86400
  }
}
