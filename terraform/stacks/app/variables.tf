variable "env" {
  type        = string
  description = "Environment name (dev, qa, prod): every resource is named archive-io-<env>-..."

  validation {
    condition     = contains(["dev", "qa", "prod"], var.env)
    error_message = "env must be one of dev, qa, prod."
  }
}

variable "region" {
  type        = string
  description = "AWS region of the environment."
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for every resource (Project and Environment are always set)."
  default     = {}
}

variable "state_bucket" {
  type        = string
  description = "S3 bucket holding the Terraform states (from bootstrap); the data stack's outputs are read from <env>/data.tfstate there."
}

variable "state_region" {
  type        = string
  description = "Region of the Terraform state bucket."
}

variable "vpc_id" {
  type        = string
  description = "VPC of the private source databases; Glue jobs, Batch jobs and the functions that open a database run in it."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets (of vpc_id) that route to the source databases and to the VPC endpoints (S3, DynamoDB, Glue, Secrets Manager, Step Functions, SNS, STS, KMS, CloudWatch Logs, ECR)."

  validation {
    condition     = length(var.subnet_ids) > 0
    error_message = "At least one subnet is needed."
  }
}

variable "database_cidr_blocks" {
  type        = list(string)
  description = "CIDR blocks of the source databases: jobs and functions may open connections to them on database_ports only."
}

variable "database_ports" {
  type        = list(number)
  description = "TCP ports of the source databases (PostgreSQL 5432, MySQL/MariaDB 3306)."
  default     = [5432, 3306]
}

variable "log_retention_days" {
  type        = number
  description = "Retention of every CloudWatch log group (functions, jobs, state machines, API access logs)."
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts."
  }
}

variable "glue_wheel_keys" {
  type        = list(string)
  description = "Keys of the Glue jobs' wheels in the artifacts bucket: the project's and its dependencies' (Python 3.11, manylinux x86_64), uploaded under wheels/ by deploy.sh, which passes this list."
}

variable "functions_image_tag" {
  type        = string
  description = "Tag of the functions' image (lambdas/Dockerfile) deploy.sh pushed to the <prefix>-functions ECR repository (tags are immutable: use the commit)."
}

variable "bundler_image_tag" {
  type        = string
  description = "Tag of the bundler image deploy.sh pushed to the <prefix>-bundler ECR repository (tags are immutable: use the commit)."
}

variable "table_concurrency" {
  type        = number
  description = "How many tables an archival or purge run processes at once (the flows' Map MaxConcurrency)."
  default     = 4
}

variable "bundle_concurrency" {
  type        = number
  description = "How many bundles a file archival run writes at once (file_archive_flow's Map MaxConcurrency)."
  default     = 4
}

variable "thaw_poll_seconds" {
  type        = number
  description = "How long restore_flow waits between checks of the thawing bundles (Glacier takes minutes to 48 hours)."
  default     = 900
}

variable "jdbc_driver_keys" {
  type        = list(string)
  description = "Keys of the JDBC driver jars deploy.sh uploads to the artifacts bucket for the Spark jobs."
  default     = ["jars/postgresql.jar", "jars/mariadb-java-client.jar"]
}

variable "spark_workers" {
  type        = number
  description = "Number of G.1X workers of each Spark Glue job."
  default     = 2

  validation {
    condition     = var.spark_workers >= 2
    error_message = "A Glue Spark job needs at least 2 workers."
  }
}

variable "spark_min_rows" {
  type        = number
  description = "Tables whose source statistics estimate at least this many rows are archived by the Spark engine; null: never by rows."
  default     = null
}

variable "spark_min_bytes" {
  type        = number
  description = "Tables whose source statistics estimate at least this many bytes are archived by the Spark engine; null: never by size."
  default     = null
}

variable "schedule_expression" {
  type        = string
  description = "EventBridge schedule of the fallback (schedule_fallback function), e.g. cron(0 2 * * ? *)."
  default     = "cron(0 2 * * ? *)"
}

variable "file_source_buckets" {
  type        = list(string)
  description = "Buckets whose files may be archived: the API, the planner and the bundler may list and read them, and delete the bundled files when a request asks to."
  default     = []
}

variable "bundler_vcpu" {
  type        = number
  description = "vCPUs of one bundler job (Fargate)."
  default     = 1
}

variable "bundler_memory" {
  type        = number
  description = "Memory (MiB) of one bundler job (Fargate; must fit the vCPU count)."
  default     = 2048
}

variable "batch_max_vcpus" {
  type        = number
  description = "Upper bound of vCPUs of the Fargate compute environment (all bundler jobs at once)."
  default     = 16
}

variable "api_throttling_rate_limit" {
  type        = number
  description = "Steady-state requests per second of the API stage."
  default     = 20
}

variable "api_throttling_burst_limit" {
  type        = number
  description = "Burst of requests of the API stage."
  default     = 40
}

variable "manage_api_gateway_account" {
  type        = bool
  description = "Set the region's API Gateway account CloudWatch role (needed for access logs). One stack per account and region should own it: false where another environment in the same account does."
  default     = true
}

variable "alarm_emails" {
  type        = list(string)
  description = "Addresses subscribed to the alarm topic (each confirms once)."
  default     = []
}
