# Read by the app stack (terraform_remote_state "data"): keep these names.

output "kms_key_arn" {
  description = "ARN of the data KMS key that encrypts the buckets and tables."
  value       = module.governance.kms_key_arn
}

output "bucket_names" {
  description = "Bucket names by role: warehouse, files, restored, reports, config, artifacts."
  value       = module.storage.bucket_names
}

output "bucket_arns" {
  description = "Bucket ARNs by role: warehouse, files, restored, reports, config, artifacts."
  value       = module.storage.bucket_arns
}

output "table_names" {
  description = "DynamoDB table names by role: runs, locks, purges, restores, file_index."
  value       = module.metadata.table_names
}

output "table_arns" {
  description = "DynamoDB table ARNs by role: runs, locks, purges, restores, file_index."
  value       = module.metadata.table_arns
}

output "glue_catalog_database_names" {
  description = "Glue catalog databases created by the data stack."
  value       = module.metadata.glue_catalog_database_names
}
