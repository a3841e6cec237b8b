variable "name" {
  type        = string
  description = "Name prefix of the resources (archive-io-<env>); job <name>-<script with _ as ->."
}

variable "jobs" {
  type = map(object({
    description = string
    engine      = string
    timeout     = number
    statements = list(object({
      sid       = string
      actions   = list(string)
      resources = list(string)
    }))
  }))
  description = "One Glue job per script of glue_jobs/ (key = script): its engine (single_node or spark), timeout in minutes, the IAM statements of its role (a statement whose resources are empty is left out)."

  validation {
    condition     = alltrue([for job in values(var.jobs) : contains(["single_node", "spark"], job.engine)])
    error_message = "A job's engine is single_node or spark."
  }
}

variable "artifacts_bucket" {
  type        = string
  description = "Artifacts bucket: scripts at glue_jobs/<script>.py, the wheels and JDBC jars, uploaded by deploy.sh."
}

variable "wheel_keys" {
  type        = list(string)
  description = "Keys of the project wheel and of every wheel it depends on (Python 3.11, manylinux x86_64) in the artifacts bucket, under wheel_prefix: the jobs install them with no package index."
}

variable "wheel_prefix" {
  type        = string
  description = "Prefix of the wheels in the artifacts bucket, which the jobs' roles may read."
}

variable "settings" {
  type        = map(string)
  description = "The runtime settings (ARCHIVE_IO_* => value); each becomes the default argument --<KEY>."
}

variable "warehouse_bucket" {
  type        = string
  description = "The Iceberg warehouse bucket: the Spark jobs' catalog configuration (--conf) names it."
}

variable "jdbc_driver_keys" {
  type        = list(string)
  description = "Keys of the JDBC driver jars in the artifacts bucket (PostgreSQL, MariaDB Connector/J), uploaded by deploy.sh: the Spark jobs' --extra-jars."
}

variable "spark_workers" {
  type        = number
  description = "Number of G.1X workers of each Spark job."
}

variable "subnet_availability_zones" {
  type        = map(string)
  description = "Private subnets (id => availability zone): one NETWORK connection per subnet, so a job can start in another zone."
}

variable "security_group_ids" {
  type        = list(string)
  description = "Security groups of the jobs' network interfaces."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key of the application: the jobs' CloudWatch logs and job bookmarks."
}

variable "data_kms_key_arn" {
  type        = string
  description = "KMS key of the data stack's buckets and tables: S3 data written by Glue and everything the jobs read."
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the jobs' log group."
}

variable "vpc_id" {
  type        = string
  description = "VPC of the connections' subnets (Glue checks its DNS attributes)."
}
