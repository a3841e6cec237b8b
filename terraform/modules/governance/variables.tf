variable "name_prefix" {
  type        = string
  description = "Name prefix of the environment's resources, archive-io-<env>: the key alias is alias/<prefix>-data, the consumer role <prefix>-consumer."
}

variable "kms_deletion_window_days" {
  type        = number
  description = "Days between scheduling the data key's deletion and its deletion (7 to 30)."

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "warehouse_bucket_arn" {
  type        = string
  description = "ARN of the Iceberg warehouse bucket: the locations of the listed databases in it are registered with Lake Formation."
}

variable "glue_catalog_databases" {
  type        = list(string)
  description = "Glue catalog databases whose locations are registered with Lake Formation and on whose tables the consumer role gets SELECT and DESCRIBE."

  validation {
    condition     = length(var.glue_catalog_databases) > 0
    error_message = "Name at least one database: the consumer role reads the listed databases only."
  }
}

variable "consumer_principals" {
  type        = list(string)
  description = "IAM principal ARNs (roles, users, accounts) that may assume the read-only consumer role."

  validation {
    condition     = length(var.consumer_principals) > 0 && alltrue([for arn in var.consumer_principals : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:", arn))])
    error_message = "consumer_principals needs at least one IAM principal ARN."
  }
}
