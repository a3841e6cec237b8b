# What the CI deploy role may do: deploy.sh's uploads and both stacks' resources, each
# scoped to the environments' archive-io-<env>-* names. Split in six managed policies, each
# under IAM's 6,144-character limit with three environments. A module that adds a service adds its actions here.

locals {
  prefixes = [for env in var.deploy_environments : "archive-io-${env}"]
  arn      = "arn:${local.partition}"
  region   = "${local.aws_region}:${local.account_id}"

  ci_policies = {
    state         = data.aws_iam_policy_document.ci_state.json
    data          = data.aws_iam_policy_document.ci_data.json
    functions     = data.aws_iam_policy_document.ci_functions.json
    containers    = data.aws_iam_policy_document.ci_containers.json
    orchestration = data.aws_iam_policy_document.ci_orchestration.json
    iam           = data.aws_iam_policy_document.ci_iam.json
  }
}

# --- Terraform states ---

data "aws_iam_policy_document" "ci_state" {
  statement {
    sid       = "ListStates"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]
  }

  # DeleteObject: the lock files (<key>.tflock) are removed when a run ends.
  statement {
    sid       = "ReadWriteStates"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.state.arn}/*"]
  }

  statement {
    sid       = "EncryptStates"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.state.arn]
  }
}

# --- Data stack: buckets, tables, keys, catalog, Lake Formation ---

data "aws_iam_policy_document" "ci_data" {
  statement {
    sid = "ManageBuckets"
    actions = [
      "s3:CreateBucket",
      "s3:GetAccelerateConfiguration",
      "s3:GetBucket*",
      "s3:GetEncryptionConfiguration",
      "s3:GetLifecycleConfiguration",
      "s3:GetReplicationConfiguration",
      "s3:ListBucket",
      "s3:ListBucketVersions",
      "s3:PutBucket*",
      "s3:PutEncryptionConfiguration",
      "s3:PutLifecycleConfiguration",
    ]
    resources = [for prefix in local.prefixes : "${local.arn}:s3:::${prefix}-*"]
  }

  # deploy.sh uploads the wheel, the JDBC driver jars and Glue scripts; nothing else is written.
  statement {
    sid       = "UploadArtifacts"
    actions   = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject"]
    resources = [for prefix in local.prefixes : "${local.arn}:s3:::${prefix}-artifacts/*"]
  }

  # Belt and braces: deploying never lifts a legal hold nor removes archived versions.
  statement {
    sid    = "NeverTouchArchivedObjects"
    effect = "Deny"
    actions = [
      "s3:BypassGovernanceRetention",
      "s3:DeleteObjectVersion",
      "s3:PutObjectLegalHold",
      "s3:PutObjectRetention",
    ]
    resources = flatten([
      for prefix in local.prefixes : [
        "${local.arn}:s3:::${prefix}-warehouse/*",
        "${local.arn}:s3:::${prefix}-files/*",
      ]
    ])
  }

  statement {
    sid = "ManageTables"
    actions = [
      "dynamodb:CreateTable",
      "dynamodb:DescribeContinuousBackups",
      "dynamodb:DescribeTable",
      "dynamodb:DescribeTimeToLive",
      "dynamodb:ListTagsOfResource",
      "dynamodb:TagResource",
      "dynamodb:UntagResource",
      "dynamodb:UpdateContinuousBackups",
      "dynamodb:UpdateTable",
      "dynamodb:UpdateTimeToLive",
    ]
    resources = [for prefix in local.prefixes : "${local.arn}:dynamodb:${local.region}:table/${prefix}-*"]
  }

  # A key's ARN is unknown before it exists: CreateKey is allowed for tagged keys only.
  statement {
    sid       = "CreateKeys"
    actions   = ["kms:CreateKey"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = ["archive-io"]
    }
  }

  statement {
    sid = "ManageProjectKeys"
    actions = [
      "kms:CreateAlias",
      "kms:CreateGrant",
      "kms:Decrypt",
      "kms:DeleteAlias",
      "kms:DescribeKey",
      "kms:EnableKeyRotation",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus",
      "kms:ListResourceTags",
      "kms:PutKeyPolicy",
      "kms:TagResource",
      "kms:UntagResource",
      "kms:UpdateAlias",
      "kms:UpdateKeyDescription",
    ]
    resources = ["${local.arn}:kms:${local.region}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = ["archive-io"]
    }
  }

  statement {
    sid       = "ManageProjectAliases"
    actions   = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = [for prefix in local.prefixes : "${local.arn}:kms:${local.region}:alias/${prefix}-*"]
  }

  statement {
    sid     = "ListAliases"
    actions = ["kms:ListAliases"]
    # ListAliases has no resource-level permissions.
    resources = ["*"]
  }

  statement {
    sid = "ManageCatalogDatabases"
    actions = [
      "glue:CreateDatabase",
      "glue:GetDatabase",
      "glue:GetTags",
      "glue:TagResource",
      "glue:UntagResource",
      "glue:UpdateDatabase",
    ]
    resources = [
      "${local.arn}:glue:${local.region}:catalog",
      "${local.arn}:glue:${local.region}:database/archive_*",
    ]
  }

  # Lake Formation has no resource-level permissions; the role must also be a data lake
  # administrator (see terraform/README.md) to register the warehouse and grant.
  statement {
    sid = "GovernWarehouse"
    actions = [
      "lakeformation:DeregisterResource",
      "lakeformation:DescribeResource",
      "lakeformation:GetDataLakeSettings",
      "lakeformation:GrantPermissions",
      "lakeformation:ListPermissions",
      "lakeformation:RegisterResource",
      "lakeformation:RevokePermissions",
      "lakeformation:UpdateResource",
    ]
    resources = ["*"]
  }
}

# --- App stack: functions and Glue jobs ---

data "aws_iam_policy_document" "ci_functions" {
  statement {
    sid = "ManageFunctions"
    actions = [
      "lambda:AddPermission",
      "lambda:CreateFunction",
      "lambda:DeleteFunction",
      "lambda:DeleteFunctionConcurrency",
      "lambda:DeleteFunctionEventInvokeConfig",
      "lambda:GetFunction*",
      "lambda:GetPolicy",
      "lambda:GetRuntimeManagementConfig",
      "lambda:ListTags",
      "lambda:ListVersionsByFunction",
      "lambda:PublishVersion",
      "lambda:PutFunctionConcurrency",
      "lambda:PutFunctionEventInvokeConfig",
      "lambda:RemovePermission",
      "lambda:TagResource",
      "lambda:UntagResource",
      "lambda:UpdateFunctionCode",
      "lambda:UpdateFunctionConfiguration",
      "lambda:UpdateFunctionEventInvokeConfig",
    ]
    resources = [for prefix in local.prefixes : "${local.arn}:lambda:${local.region}:function:${prefix}-*"]
  }

  statement {
    sid = "ManageGlueJobsAndConnections"
    actions = [
      "glue:CreateConnection",
      "glue:CreateJob",
      "glue:DeleteConnection",
      "glue:DeleteJob",
      "glue:GetConnection",
      "glue:GetJob",
      "glue:GetTags",
      "glue:TagResource",
      "glue:UntagResource",
      "glue:UpdateConnection",
      "glue:UpdateJob",
    ]
    resources = concat(
      ["${local.arn}:glue:${local.region}:catalog"],
      [for prefix in local.prefixes : "${local.arn}:glue:${local.region}:job/${prefix}-*"],
      [for prefix in local.prefixes : "${local.arn}:glue:${local.region}:connection/${prefix}-*"],
    )
  }

  statement {
    sid = "ManageGlueSecurityConfigurations"
    actions = [
      "glue:CreateSecurityConfiguration",
      "glue:DeleteSecurityConfiguration",
      "glue:GetSecurityConfiguration",
    ]
    # Glue security configurations have no resource-level permissions.
    resources = ["*"]
  }

}

# --- App stack: Batch, images, network ---

data "aws_iam_policy_document" "ci_containers" {
  statement {
    sid = "ManageBatch"
    actions = [
      "batch:CreateComputeEnvironment",
      "batch:CreateJobQueue",
      "batch:DeleteComputeEnvironment",
      "batch:DeleteJobQueue",
      "batch:DeregisterJobDefinition",
      "batch:ListTagsForResource",
      "batch:RegisterJobDefinition",
      "batch:TagResource",
      "batch:UntagResource",
      "batch:UpdateComputeEnvironment",
      "batch:UpdateJobQueue",
    ]
    resources = flatten([
      for prefix in local.prefixes : [
        "${local.arn}:batch:${local.region}:compute-environment/${prefix}-*",
        "${local.arn}:batch:${local.region}:job-queue/${prefix}-*",
        "${local.arn}:batch:${local.region}:job-definition/${prefix}-*",
      ]
    ])
  }

  statement {
    sid = "DescribeBatchAndNetwork"
    actions = [
      "batch:DescribeComputeEnvironments",
      "batch:DescribeJobDefinitions",
      "batch:DescribeJobQueues",
      "ec2:DescribeManagedPrefixLists",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribePrefixLists",
      "ec2:DescribeRouteTables",
      "ec2:DescribeSecurityGroupRules",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSubnets",
      "ec2:DescribeVpcAttribute",
      "ec2:DescribeVpcEndpoints",
      "ec2:DescribeVpcs",
      "ecr:GetAuthorizationToken",
    ]
    # Describe calls and the registry login have no resource-level permissions.
    resources = ["*"]
  }

  statement {
    sid = "ManageAndPushImages"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:CreateRepository",
      "ecr:DeleteLifecyclePolicy",
      "ecr:DeleteRepository",
      "ecr:DeleteRepositoryPolicy",
      "ecr:DescribeImages",
      "ecr:DescribeRepositories",
      "ecr:GetDownloadUrlForLayer",
      "ecr:GetLifecyclePolicy",
      "ecr:GetRepositoryPolicy",
      "ecr:InitiateLayerUpload",
      "ecr:ListTagsForResource",
      "ecr:PutImage",
      "ecr:PutImageScanningConfiguration",
      "ecr:PutImageTagMutability",
      "ecr:PutLifecyclePolicy",
      "ecr:SetRepositoryPolicy",
      "ecr:TagResource",
      "ecr:UntagResource",
      "ecr:UploadLayerPart",
    ]
    resources = [for prefix in local.prefixes : "${local.arn}:ecr:${local.region}:repository/${prefix}-*"]
  }

  statement {
    sid       = "CreateTaggedSecurityGroups"
    actions   = ["ec2:CreateSecurityGroup"]
    resources = ["${local.arn}:ec2:${local.region}:security-group/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = ["archive-io"]
    }
  }

  statement {
    sid       = "CreateSecurityGroupsInVpcs"
    actions   = ["ec2:CreateSecurityGroup"]
    resources = ["${local.arn}:ec2:${local.region}:vpc/*"]
  }

  statement {
    sid       = "TagOnCreate"
    actions   = ["ec2:CreateTags"]
    resources = ["${local.arn}:ec2:${local.region}:security-group/*", "${local.arn}:ec2:${local.region}:security-group-rule/*"]

    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values   = ["CreateSecurityGroup", "AuthorizeSecurityGroupEgress", "AuthorizeSecurityGroupIngress"]
    }
  }

  statement {
    sid = "ManageProjectSecurityGroups"
    actions = [
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:DeleteSecurityGroup",
      "ec2:ModifySecurityGroupRules",
      "ec2:RevokeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress",
    ]
    resources = ["${local.arn}:ec2:${local.region}:security-group/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = ["archive-io"]
    }
  }

  # The rules' own ARNs; which group they open is decided by the statement above.
  statement {
    sid = "ManageSecurityGroupRules"
    actions = [
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:ModifySecurityGroupRules",
    ]
    resources = ["${local.arn}:ec2:${local.region}:security-group-rule/*"]
  }
}

# --- App stack: state machines, schedules, topics, queues, logs, alarms, API ---

data "aws_iam_policy_document" "ci_orchestration" {
  statement {
    sid = "ManageStateMachines"
    actions = [
      "states:CreateStateMachine",
      "states:DeleteStateMachine",
      "states:DescribeStateMachine",
      "states:ListStateMachineVersions",
      "states:ListTagsForResource",
      "states:TagResource",
      "states:UntagResource",
      "states:UpdateStateMachine",
    ]
    resources = [for prefix in local.prefixes : "${local.arn}:states:${local.region}:stateMachine:${prefix}-*"]
  }

  statement {
    sid = "ManageSchedules"
    actions = [
      "events:DeleteRule",
      "events:DescribeRule",
      "events:ListTagsForResource",
      "events:ListTargetsByRule",
      "events:PutRule",
      "events:PutTargets",
      "events:RemoveTargets",
      "events:TagResource",
      "events:UntagResource",
      "scheduler:CreateSchedule",
      "scheduler:DeleteSchedule",
      "scheduler:GetSchedule",
      "scheduler:UpdateSchedule",
    ]
    resources = flatten([
      for prefix in local.prefixes : [
        "${local.arn}:events:${local.region}:rule/${prefix}-*",
        "${local.arn}:scheduler:${local.region}:schedule/*/${prefix}-*",
      ]
    ])
  }

  statement {
    sid = "ManageTopicsAndQueues"
    actions = [
      "sns:CreateTopic",
      "sns:DeleteTopic",
      "sns:GetSubscriptionAttributes",
      "sns:GetTopicAttributes",
      "sns:ListTagsForResource",
      "sns:SetSubscriptionAttributes",
      "sns:SetTopicAttributes",
      "sns:Subscribe",
      "sns:TagResource",
      "sns:Unsubscribe",
      "sns:UntagResource",
      "sqs:CreateQueue",
      "sqs:DeleteQueue",
      "sqs:GetQueueAttributes",
      "sqs:ListQueueTags",
      "sqs:SetQueueAttributes",
      "sqs:TagQueue",
      "sqs:UntagQueue",
    ]
    resources = flatten([
      for prefix in local.prefixes : [
        "${local.arn}:sns:${local.region}:${prefix}-*",
        "${local.arn}:sqs:${local.region}:${prefix}-*",
      ]
    ])
  }

  # Log groups carry the resource name (/aws/lambda/<prefix>-..., /aws-glue/jobs/<prefix>...),
  # except API Gateway's execution logs, named after the API's id.
  statement {
    sid = "ManageLogGroups"
    actions = [
      "logs:AssociateKmsKey",
      "logs:CreateLogGroup",
      "logs:DeleteLogGroup",
      "logs:DeleteRetentionPolicy",
      "logs:DisassociateKmsKey",
      "logs:ListTagsForResource",
      "logs:ListTagsLogGroup",
      "logs:PutRetentionPolicy",
      "logs:TagResource",
      "logs:UntagResource",
    ]
    resources = concat(
      [for prefix in local.prefixes : "${local.arn}:logs:${local.region}:log-group:*${prefix}*"],
      ["${local.arn}:logs:${local.region}:log-group:API-Gateway-Execution-Logs_*"],
    )
  }

  statement {
    sid     = "ListLogGroups"
    actions = ["logs:DescribeLogGroups"]
    # DescribeLogGroups has no resource-level permissions.
    resources = ["*"]
  }

  statement {
    sid = "ManageAlarmsAndDashboards"
    actions = [
      "cloudwatch:DeleteAlarms",
      "cloudwatch:DeleteDashboards",
      "cloudwatch:DescribeAlarms",
      "cloudwatch:GetDashboard",
      "cloudwatch:ListTagsForResource",
      "cloudwatch:PutDashboard",
      "cloudwatch:PutMetricAlarm",
      "cloudwatch:TagResource",
      "cloudwatch:UntagResource",
    ]
    resources = flatten([
      for prefix in local.prefixes : [
        "${local.arn}:cloudwatch:${local.region}:alarm:${prefix}-*",
        "${local.arn}:cloudwatch::${local.account_id}:dashboard/${prefix}",
        "${local.arn}:cloudwatch::${local.account_id}:dashboard/${prefix}-*",
      ]
    ])
  }

  # API Gateway ARNs carry the API's id, not its name: the REST APIs of this region.
  statement {
    sid     = "ManageRestApis"
    actions = ["apigateway:DELETE", "apigateway:GET", "apigateway:PATCH", "apigateway:POST", "apigateway:PUT"]
    resources = [
      "${local.arn}:apigateway:${local.aws_region}::/account",
      "${local.arn}:apigateway:${local.aws_region}::/restapis",
      "${local.arn}:apigateway:${local.aws_region}::/restapis/*",
      "${local.arn}:apigateway:${local.aws_region}::/tags/*",
    ]
  }

}

# --- Both stacks: the platform's roles ---

data "aws_iam_policy_document" "ci_iam" {
  statement {
    sid = "ManageProjectRoles"
    actions = [
      "iam:CreateRole",
      "iam:DeleteRole",
      "iam:DeleteRolePolicy",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies",
      "iam:PutRolePolicy",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
    ]
    resources = [for prefix in local.prefixes : "${local.arn}:iam::${local.account_id}:role/${prefix}-*"]
  }

  # Only AWS's service-role policies may be attached (e.g. API Gateway's CloudWatch role).
  statement {
    sid       = "AttachServiceRolePolicies"
    actions   = ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]
    resources = [for prefix in local.prefixes : "${local.arn}:iam::${local.account_id}:role/${prefix}-*"]

    condition {
      test     = "ArnLike"
      variable = "iam:PolicyARN"
      values   = ["${local.arn}:iam::aws:policy/service-role/*"]
    }
  }

  statement {
    sid       = "PassProjectRolesToServices"
    actions   = ["iam:PassRole"]
    resources = [for prefix in local.prefixes : "${local.arn}:iam::${local.account_id}:role/${prefix}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values = [
        "apigateway.amazonaws.com",
        "batch.amazonaws.com",
        "ecs-tasks.amazonaws.com",
        "events.amazonaws.com",
        "glue.amazonaws.com",
        "lakeformation.amazonaws.com",
        "lambda.amazonaws.com",
        "scheduler.amazonaws.com",
        "states.amazonaws.com",
      ]
    }
  }

  # Batch on Fargate needs its service-linked roles once per account.
  statement {
    sid       = "CreateBatchServiceLinkedRoles"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["${local.arn}:iam::${local.account_id}:role/aws-service-role/*"]

    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values   = ["batch.amazonaws.com", "ecs.amazonaws.com"]
    }
  }

  # The roles it creates run the platform; the deploy role never becomes one of them.
  statement {
    sid       = "NeverAssumeProjectRoles"
    effect    = "Deny"
    actions   = ["sts:AssumeRole"]
    resources = [for prefix in local.prefixes : "${local.arn}:iam::${local.account_id}:role/${prefix}-*"]
  }
}
