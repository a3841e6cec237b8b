variable "name_prefix" {
  type        = string
  description = "Name prefix of the environment's resources, archive-io-<env>: tables are <prefix>-runs, <prefix>-locks, ..."
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of the data KMS key: server-side encryption of every table."
}

variable "warehouse_bucket_name" {
  type        = string
  description = "Name of the Iceberg warehouse bucket: the Glue databases' locations are in it."
}

variable "glue_catalog_databases" {
  type        = list(string)
  description = "Glue catalog databases (Iceberg namespaces archive_<db>_<schema>) to create up front."

  validation {
    condition     = alltrue([for name in var.glue_catalog_databases : can(regex("^archive_[a-z0-9_]+$", name))])
    error_message = "Each database is named archive_<db>_<schema> in lower case (letters, digits, underscores)."
  }
}
