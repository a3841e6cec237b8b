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
  description = "Extra tags for every resource (Project, Environment and Stack are always set)."
  default     = {}
}

variable "restored_days" {
  type        = number
  description = "Days a restored file stays in the restored bucket before it expires."
  default     = 7
}

variable "noncurrent_version_days" {
  type        = number
  description = "Days an overwritten or deleted object version is kept in the reports, config and artifacts buckets."
  default     = 30
}

variable "locked_noncurrent_version_days" {
  type        = number
  description = "Days a deleted or overwritten version is kept in the Object Lock buckets (warehouse, files) after a purge; versions under a legal hold stay regardless."
  default     = 90
}

variable "access_log_days" {
  type        = number
  description = "Days the buckets' server access logs are kept."
  default     = 365
}

variable "kms_deletion_window_days" {
  type        = number
  description = "Days between scheduling the data key's deletion and its deletion (7 to 30)."
  default     = 30
}

variable "glue_catalog_databases" {
  type        = list(string)
  description = "Glue catalog databases (Iceberg namespaces archive_<db>_<schema>) created up front and granted to the consumer role; the app creates others on demand."
}

variable "consumer_principals" {
  type        = list(string)
  description = "IAM principal ARNs that may assume the read-only consumer role (archive-io-<env>-consumer)."
}
