# The frequently deployed half of an environment: functions, jobs, state machines, API,
# schedule, alarms. The stateful half (buckets, tables, keys, catalog) is stacks/data, read here
# through its state's outputs.

data "aws_caller_identity" "current" {}

data "terraform_remote_state" "data" {
  backend = "s3"

  config = {
    bucket = var.state_bucket
    region = var.state_region
    key    = "${var.env}/data.tfstate"
  }
}

locals {
  prefix     = "archive-io-${var.env}"
  account_id = data.aws_caller_identity.current.account_id
  data       = data.terraform_remote_state.data.outputs

  data_kms_key_arn = local.data.kms_key_arn
  buckets          = local.data.bucket_arns
  tables           = local.data.table_arns

  # Built from the names, not from the resources: the functions need the flows' ARNs and the
  # flows need the functions' ARNs.
  flow_names     = { for flow in ["archival_flow", "purge_flow", "file_archive_flow", "restore_flow"] : flow => "${local.prefix}-${replace(flow, "_", "-")}" }
  flow_arns      = { for flow, name in local.flow_names : flow => "arn:aws:states:${var.region}:${local.account_id}:stateMachine:${name}" }
  execution_arns = { for flow, name in local.flow_names : flow => "arn:aws:states:${var.region}:${local.account_id}:execution:${name}:*" }

  connection_secret_prefix = "archive-io/${var.env}/connections/"
  connection_secrets_arn   = "arn:aws:secretsmanager:${var.region}:${local.account_id}:secret:${local.connection_secret_prefix}*"

  # Iceberg namespaces are archive_<database>_<schema>, created by the jobs as tables arrive.
  glue_catalog_arn = "arn:aws:glue:${var.region}:${local.account_id}:catalog"
  glue_database_arns = concat(
    ["arn:aws:glue:${var.region}:${local.account_id}:database/archive_*"],
    [for db in local.data.glue_catalog_database_names : "arn:aws:glue:${var.region}:${local.account_id}:database/${db}"],
  )
  glue_table_arns = concat(
    ["arn:aws:glue:${var.region}:${local.account_id}:table/archive_*/*"],
    [for db in local.data.glue_catalog_database_names : "arn:aws:glue:${var.region}:${local.account_id}:table/${db}/*"],
  )

  source_bucket_arns = [for bucket in var.file_source_buckets : "arn:aws:s3:::${bucket}"]
  source_object_arns = [for bucket in var.file_source_buckets : "arn:aws:s3:::${bucket}/*"]

  # The settings (archive_io.settings), built once: Lambda environment, Glue default arguments
  # (--KEY value) and the Batch job's environment.
  settings = merge(
    {
      ARCHIVE_IO_ENV                      = var.env
      ARCHIVE_IO_RUNS_TABLE               = local.data.table_names.runs
      ARCHIVE_IO_LOCKS_TABLE              = local.data.table_names.locks
      ARCHIVE_IO_PURGES_TABLE             = local.data.table_names.purges
      ARCHIVE_IO_FILE_INDEX_TABLE         = local.data.table_names.file_index
      ARCHIVE_IO_RESTORES_TABLE           = local.data.table_names.restores
      ARCHIVE_IO_WAREHOUSE_BUCKET         = local.data.bucket_names.warehouse
      ARCHIVE_IO_FILES_BUCKET             = local.data.bucket_names.files
      ARCHIVE_IO_RESTORED_BUCKET          = local.data.bucket_names.restored
      ARCHIVE_IO_REPORTS_BUCKET           = local.data.bucket_names.reports
      ARCHIVE_IO_CONFIG_BUCKET            = local.data.bucket_names.config
      ARCHIVE_IO_NOTIFICATIONS_TOPIC_ARN  = module.notifications.topic_arn
      ARCHIVE_IO_ARCHIVAL_FLOW_ARN        = local.flow_arns.archival_flow
      ARCHIVE_IO_PURGE_FLOW_ARN           = local.flow_arns.purge_flow
      ARCHIVE_IO_FILE_ARCHIVE_FLOW_ARN    = local.flow_arns.file_archive_flow
      ARCHIVE_IO_RESTORE_FLOW_ARN         = local.flow_arns.restore_flow
      ARCHIVE_IO_CONNECTION_SECRET_PREFIX = local.connection_secret_prefix
    },
    # Unset, the Spark engine is never chosen by that measure.
    var.spark_min_rows == null ? {} : { ARCHIVE_IO_SPARK_MIN_ROWS = tostring(var.spark_min_rows) },
    var.spark_min_bytes == null ? {} : { ARCHIVE_IO_SPARK_MIN_BYTES = tostring(var.spark_min_bytes) },
  )

  # IAM statements, one per kind of access, composed per function and job below.
  access = {
    runs_rw = {
      sid       = "RunsTable"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
      resources = [local.tables.runs]
    }
    runs_update = {
      sid       = "RunsTable"
      actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
      resources = [local.tables.runs]
    }
    locks_rw = {
      sid       = "LocksTable"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
      resources = [local.tables.locks]
    }
    purges_rw = {
      sid       = "PurgesTable"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
      resources = [local.tables.purges]
    }
    restores_rw = {
      sid       = "RestoresTable"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
      resources = [local.tables.restores]
    }
    file_index_read = {
      sid       = "FileIndexRead"
      actions   = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"]
      resources = [local.tables.file_index, "${local.tables.file_index}/index/*"]
    }
    file_index_write = {
      sid       = "FileIndexWrite"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:Query"]
      resources = [local.tables.file_index, "${local.tables.file_index}/index/*"]
    }
    config_list = {
      sid       = "ConfigBucket"
      actions   = ["s3:ListBucket"]
      resources = [local.buckets.config]
    }
    config_read = {
      sid       = "ConfigRead"
      actions   = ["s3:GetObject"]
      resources = ["${local.buckets.config}/config/*", "${local.buckets.config}/files-config/*", "${local.buckets.config}/legal-holds/*"]
    }
    config_write = {
      sid       = "ConfigWrite"
      actions   = ["s3:GetObject", "s3:PutObject"]
      resources = ["${local.buckets.config}/config/*", "${local.buckets.config}/files-config/*", "${local.buckets.config}/legal-holds/*"]
    }
    reports_read = {
      sid       = "ReportsRead"
      actions   = ["s3:GetObject"]
      resources = ["${local.buckets.reports}/reports/*"]
    }
    reports_write = {
      sid       = "ReportsWrite"
      actions   = ["s3:PutObject"]
      resources = ["${local.buckets.reports}/reports/*"]
    }
    restore_records = {
      sid       = "RestoreRecords"
      actions   = ["s3:GetObject", "s3:PutObject"]
      resources = ["${local.buckets.reports}/restores/*"]
    }
    plans_write = {
      sid       = "BundlePlansWrite"
      actions   = ["s3:PutObject"]
      resources = ["${local.buckets.reports}/plans/*"]
    }
    plans_read = {
      sid       = "BundlePlansRead"
      actions   = ["s3:GetObject"]
      resources = ["${local.buckets.reports}/plans/*"]
    }
    profiles_rw = {
      sid       = "ProfilesReadWrite"
      actions   = ["s3:GetObject", "s3:PutObject"]
      resources = ["${local.buckets.reports}/profiles/*"]
    }
    profiles_read = {
      sid       = "ProfilesRead"
      actions   = ["s3:GetObject"]
      resources = ["${local.buckets.reports}/profiles/*"]
    }
    object_lock_config = {
      sid       = "ObjectLockConfiguration"
      actions   = ["s3:GetBucketObjectLockConfiguration"]
      resources = [local.buckets.files, local.buckets.warehouse]
    }
    files_holds = {
      sid       = "FileBundleHolds"
      actions   = ["s3:GetObjectLegalHold", "s3:PutObjectLegalHold"]
      resources = ["${local.buckets.files}/*"]
    }
    files_head = {
      sid       = "FileBundlesHead"
      actions   = ["s3:GetObject"]
      resources = ["${local.buckets.files}/*"]
    }
    files_restore = {
      sid       = "FileBundlesRestore"
      actions   = ["s3:RestoreObject", "s3:GetObject"]
      resources = ["${local.buckets.files}/*"]
    }
    files_write = {
      sid       = "FileBundlesWrite"
      actions   = ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:PutObjectLegalHold"]
      resources = ["${local.buckets.files}/*"]
    }
    restored_write = {
      sid       = "RestoredFiles"
      actions   = ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"]
      resources = ["${local.buckets.restored}/*"]
    }
    warehouse_list = {
      sid       = "WarehouseBucket"
      actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
      resources = [local.buckets.warehouse]
    }
    warehouse_read = {
      sid       = "WarehouseRead"
      actions   = ["s3:GetObject"]
      resources = ["${local.buckets.warehouse}/*"]
    }
    warehouse_write = {
      sid       = "WarehouseWrite"
      actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
      resources = ["${local.buckets.warehouse}/*"]
    }
    warehouse_holds = {
      sid       = "WarehouseHolds"
      actions   = ["s3:GetObjectLegalHold", "s3:PutObjectLegalHold"]
      resources = ["${local.buckets.warehouse}/*"]
    }
    warehouse_holds_read = {
      sid       = "WarehouseHoldsRead"
      actions   = ["s3:GetObjectLegalHold"]
      resources = ["${local.buckets.warehouse}/*"]
    }
    catalog_read = {
      sid       = "CatalogRead"
      actions   = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables"]
      resources = concat([local.glue_catalog_arn], local.glue_database_arns, local.glue_table_arns)
    }
    catalog_write = {
      sid       = "CatalogWrite"
      actions   = ["glue:GetDatabase", "glue:CreateDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable"]
      resources = concat([local.glue_catalog_arn], local.glue_database_arns, local.glue_table_arns)
    }
    catalog_admin = {
      sid       = "CatalogAdmin"
      actions   = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:UpdateTable", "glue:DeleteTable", "glue:DeleteDatabase"]
      resources = concat([local.glue_catalog_arn], local.glue_database_arns, local.glue_table_arns)
    }
    # Listing namespaces needs every database: Glue authorizes GetDatabases on database/*.
    catalog_list = {
      sid       = "CatalogList"
      actions   = ["glue:GetDatabases"]
      resources = [local.glue_catalog_arn, "arn:aws:glue:${var.region}:${local.account_id}:database/*"]
    }
    secrets_read = {
      sid       = "ConnectionSecretsRead"
      actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
      resources = [local.connection_secrets_arn]
    }
    secrets_write = {
      sid       = "ConnectionSecretsWrite"
      actions   = ["secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:TagResource"]
      resources = [local.connection_secrets_arn]
    }
    flows_start = {
      sid       = "StartFlows"
      actions   = ["states:StartExecution"]
      resources = values(local.flow_arns)
    }
    flows_describe = {
      sid       = "DescribeRuns"
      actions   = ["states:DescribeExecution"]
      resources = values(local.execution_arns)
    }
    archival_flows_start = {
      sid       = "StartArchivalFlows"
      actions   = ["states:StartExecution"]
      resources = [local.flow_arns.archival_flow, local.flow_arns.file_archive_flow]
    }
    archival_flows_describe = {
      sid       = "DescribeArchivalRuns"
      actions   = ["states:DescribeExecution"]
      resources = [local.execution_arns.archival_flow, local.execution_arns.file_archive_flow]
    }
    topic_subscribe = {
      sid       = "SubscribeRequesters"
      actions   = ["sns:Subscribe"]
      resources = [module.notifications.topic_arn]
    }
    source_list = {
      sid       = "SourceBuckets"
      actions   = ["s3:ListBucket"]
      resources = local.source_bucket_arns
    }
    source_objects = {
      sid       = "SourceFiles"
      actions   = ["s3:GetObject", "s3:DeleteObject"]
      resources = local.source_object_arns
    }
  }
}

# The maps the checks read: one function per lambdas/ folder, one job per glue_jobs/ script, one
# state machine per stepfunctions/ flow whose keys are exactly that ASL's placeholders.
locals {
  functions = {
    api = {
      description = "The REST API (API Gateway proxy): starts runs, restores and purges, answers their status"
      timeout     = 30
      memory_size = 1024
      # In the VPC: it tests connections and checks onboarded tables against their source.
      in_vpc = true
      statements = [
        local.access.runs_rw, local.access.locks_rw, local.access.purges_rw, local.access.restores_rw,
        local.access.file_index_read, local.access.config_list, local.access.config_write, local.access.reports_read,
        local.access.restore_records, local.access.object_lock_config, local.access.files_holds,
        local.access.warehouse_list, local.access.warehouse_write, local.access.warehouse_holds,
        local.access.catalog_admin, local.access.catalog_list, local.access.secrets_read, local.access.secrets_write,
        local.access.flows_start, local.access.flows_describe, local.access.topic_subscribe, local.access.source_list,
      ]
    }
    report = {
      description = "The report task of the archival flows: PDF report, verdict, locks released"
      timeout     = 900
      memory_size = 1024
      in_vpc      = false
      statements = [
        local.access.runs_update, local.access.locks_rw, local.access.reports_write, local.access.files_head,
      ]
    }
    schedule_fallback = {
      description = "The scheduled fallback: archives the onboarded tables and file prefixes that are due"
      timeout     = 900
      memory_size = 1024
      # One firing at a time: it is idempotent per day, a second concurrent one would only race.
      reserved_concurrency = 1
      # In the VPC: it counts the due rows at each source.
      in_vpc = true
      statements = [
        local.access.runs_rw, local.access.locks_rw, local.access.file_index_read, local.access.config_list,
        local.access.config_read, local.access.secrets_read, local.access.archival_flows_start,
        local.access.archival_flows_describe, local.access.source_list,
      ]
    }
    file_plan = {
      description = "file_archive_flow's plan task: lists the prefix, plans the bundles"
      timeout     = 900
      memory_size = 1024
      in_vpc      = false
      statements = [
        local.access.runs_update, local.access.file_index_read, local.access.plans_write, local.access.source_list,
      ]
    }
    restore_files = {
      description = "restore_flow's steps: thaw bundles, check them, extract the requested files"
      timeout     = 900
      memory_size = 2048
      in_vpc      = false
      statements = [
        local.access.restores_rw, local.access.restore_records, local.access.files_restore, local.access.restored_write,
      ]
    }
    choose_engine = {
      description = "archival_flow's engine task: picks single-node or Spark from the source's statistics"
      timeout     = 300
      memory_size = 512
      # In the VPC: it reads the source database's statistics.
      in_vpc = true
      statements = [
        local.access.runs_update, local.access.secrets_read,
      ]
    }
  }

  glue_jobs = {
    archive_table = {
      description = "Archive one table of a run into Iceberg (single-node engine)"
      engine      = "single_node"
      timeout     = 1440
      statements = [
        local.access.runs_update, local.access.secrets_read, local.access.profiles_rw, local.access.warehouse_list,
        local.access.warehouse_write, local.access.catalog_write,
      ]
    }
    validate_table = {
      description = "Validate one archived table against its source (single-node engine)"
      engine      = "single_node"
      timeout     = 1440
      statements = [
        local.access.runs_update, local.access.secrets_read, local.access.profiles_read, local.access.warehouse_list,
        local.access.warehouse_read, local.access.catalog_read,
      ]
    }
    purge_table = {
      description = "Delete one validated table's archived rows from its source (single-node engine)"
      engine      = "single_node"
      timeout     = 10080
      statements = [
        local.access.runs_update, local.access.secrets_read, local.access.warehouse_list, local.access.warehouse_read,
        local.access.catalog_read,
      ]
    }
    purge_archive = {
      description = "Remove one archive table's rows past their retention, unless under legal hold"
      engine      = "single_node"
      timeout     = 1440
      statements = [
        local.access.purges_rw, local.access.object_lock_config, local.access.warehouse_list,
        local.access.warehouse_write, local.access.warehouse_holds_read, local.access.catalog_admin,
        local.access.catalog_list,
      ]
    }
    archive_table_spark = {
      description = "Archive one table of a run into Iceberg (Spark engine)"
      engine      = "spark"
      timeout     = 1440
      statements = [
        local.access.runs_update, local.access.secrets_read, local.access.profiles_rw, local.access.warehouse_list,
        local.access.warehouse_write, local.access.catalog_write,
      ]
    }
    validate_table_spark = {
      description = "Validate one archived table against its source (Spark engine)"
      engine      = "spark"
      timeout     = 1440
      statements = [
        local.access.runs_update, local.access.secrets_read, local.access.profiles_read, local.access.warehouse_list,
        local.access.warehouse_read, local.access.catalog_read,
      ]
    }
    purge_table_spark = {
      description = "Delete one validated table's archived rows from its source (Spark reads the archive)"
      engine      = "spark"
      timeout     = 10080
      statements = [
        local.access.runs_update, local.access.secrets_read, local.access.warehouse_list, local.access.warehouse_read,
        local.access.catalog_read,
      ]
    }
  }

  state_machines = {
    archival_flow = {
      table_concurrency             = var.table_concurrency
      choose_engine_function_arn    = module.functions.arns["choose_engine"]
      archive_table_job_name        = module.glue.job_names["archive_table"]
      validate_table_job_name       = module.glue.job_names["validate_table"]
      purge_table_job_name          = module.glue.job_names["purge_table"]
      archive_table_spark_job_name  = module.glue.job_names["archive_table_spark"]
      validate_table_spark_job_name = module.glue.job_names["validate_table_spark"]
      purge_table_spark_job_name    = module.glue.job_names["purge_table_spark"]
      report_function_arn           = module.functions.arns["report"]
      runs_table_name               = local.data.table_names.runs
      notifications_topic_arn       = module.notifications.topic_arn
    }
    purge_flow = {
      table_concurrency       = var.table_concurrency
      purge_archive_job_name  = module.glue.job_names["purge_archive"]
      notifications_topic_arn = module.notifications.topic_arn
    }
    file_archive_flow = {
      bundle_concurrency         = var.bundle_concurrency
      file_plan_function_arn     = module.functions.arns["file_plan"]
      bundler_job_queue_arn      = module.batch.job_queue_arn
      bundler_job_definition_arn = module.batch.job_definition_arn
      report_function_arn        = module.functions.arns["report"]
      runs_table_name            = local.data.table_names.runs
      notifications_topic_arn    = module.notifications.topic_arn
    }
    restore_flow = {
      restore_function_arn = module.functions.arns["restore_files"]
      thaw_poll_seconds    = var.thaw_poll_seconds
    }
  }
}

module "network" {
  source = "../../modules/network"

  name                 = local.prefix
  vpc_id               = var.vpc_id
  subnet_ids           = var.subnet_ids
  database_cidr_blocks = var.database_cidr_blocks
  database_ports       = var.database_ports
}

module "notifications" {
  source = "../../modules/notifications"

  name                = local.prefix
  kms_key_arn         = aws_kms_key.app.arn
  publisher_role_arns = values(module.orchestration.role_arns)
}

module "functions" {
  source = "../../modules/functions"

  name               = local.prefix
  functions          = local.functions
  image_tag          = var.functions_image_tag
  environment        = local.settings
  kms_key_arn        = aws_kms_key.app.arn
  data_kms_key_arn   = local.data_kms_key_arn
  subnet_ids         = module.network.subnet_ids
  security_group_ids = [module.network.security_group_id]
  log_retention_days = var.log_retention_days
}

module "glue" {
  source = "../../modules/glue"

  name                      = local.prefix
  jobs                      = local.glue_jobs
  artifacts_bucket          = local.data.bucket_names.artifacts
  wheel_keys                = var.glue_wheel_keys
  wheel_prefix              = "wheels/"
  settings                  = local.settings
  warehouse_bucket          = local.data.bucket_names.warehouse
  spark_workers             = var.spark_workers
  jdbc_driver_keys          = var.jdbc_driver_keys
  vpc_id                    = module.network.vpc_id
  subnet_availability_zones = module.network.subnet_availability_zones
  security_group_ids        = [module.network.security_group_id]
  kms_key_arn               = aws_kms_key.app.arn
  data_kms_key_arn          = local.data_kms_key_arn
  log_retention_days        = var.log_retention_days
}

module "batch" {
  source = "../../modules/batch"

  name        = local.prefix
  image_tag   = var.bundler_image_tag
  environment = local.settings
  job_statements = [
    local.access.runs_update, local.access.file_index_write, local.access.plans_read, local.access.config_read,
    local.access.files_write, local.access.source_list, local.access.source_objects,
  ]
  vcpu               = var.bundler_vcpu
  memory             = var.bundler_memory
  max_vcpus          = var.batch_max_vcpus
  subnet_ids         = module.network.subnet_ids
  security_group_ids = [module.network.security_group_id]
  kms_key_arn        = aws_kms_key.app.arn
  data_kms_key_arn   = local.data_kms_key_arn
  log_retention_days = var.log_retention_days
}

module "orchestration" {
  source = "../../modules/orchestration"

  name                    = local.prefix
  state_machines          = local.state_machines
  notifications_topic_arn = module.notifications.topic_arn
  kms_key_arns            = [aws_kms_key.app.arn, local.data_kms_key_arn]
  kms_key_arn             = aws_kms_key.app.arn
  log_retention_days      = var.log_retention_days
}

module "api" {
  source = "../../modules/api"

  name                   = local.prefix
  openapi_path           = "${path.root}/../../../docs/openapi.json"
  function_name          = module.functions.names["api"]
  function_invoke_arn    = module.functions.invoke_arns["api"]
  throttling_rate_limit  = var.api_throttling_rate_limit
  throttling_burst_limit = var.api_throttling_burst_limit
  manage_account         = var.manage_api_gateway_account
  kms_key_arn            = aws_kms_key.app.arn
  log_retention_days     = var.log_retention_days
}

module "scheduling" {
  source = "../../modules/scheduling"

  name                = local.prefix
  schedule_expression = var.schedule_expression
  function_name       = module.functions.names["schedule_fallback"]
  function_arn        = module.functions.arns["schedule_fallback"]
  kms_key_arn         = aws_kms_key.app.arn
}

module "observability" {
  source = "../../modules/observability"

  name                = local.prefix
  state_machine_arns  = module.orchestration.arns
  function_names      = module.functions.names
  dlq_names           = merge(module.functions.dlq_names, { schedule = module.scheduling.dlq_name })
  glue_job_names      = module.glue.job_names
  batch_job_queue_arn = module.batch.job_queue_arn
  api_name            = module.api.name
  api_stage_name      = module.api.stage_name
  kms_key_arn         = aws_kms_key.app.arn
  alarm_emails        = var.alarm_emails
}
