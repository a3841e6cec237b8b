variable "name_prefix" {
  type        = string
  description = "Name prefix of the environment's resources, archive-io-<env>: buckets are <prefix>-warehouse, <prefix>-files, ..."
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of the data KMS key: default encryption of the six buckets."
}

variable "restored_days" {
  type        = number
  description = "Days a restored file stays in the restored bucket before it expires."

  validation {
    condition     = var.restored_days >= 1
    error_message = "restored_days must be at least 1."
  }
}

variable "noncurrent_version_days" {
  type        = number
  description = "Days an overwritten or deleted object version is kept in the reports, config and artifacts buckets."

  validation {
    condition     = var.noncurrent_version_days >= 1
    error_message = "noncurrent_version_days must be at least 1."
  }
}

variable "locked_noncurrent_version_days" {
  type        = number
  description = "Days a deleted or overwritten version is kept in the Object Lock buckets (warehouse, files): the grace period to undo a purge. Versions under a legal hold stay regardless."

  validation {
    condition     = var.locked_noncurrent_version_days >= 1
    error_message = "locked_noncurrent_version_days must be at least 1."
  }
}

variable "access_log_days" {
  type        = number
  description = "Days the buckets' server access logs are kept."

  validation {
    condition     = var.access_log_days >= 1
    error_message = "access_log_days must be at least 1."
  }
}
