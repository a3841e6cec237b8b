output "table_names" {
  description = "DynamoDB table names by role: runs, locks, purges, restores, file_index."
  value = merge(
    { for role, table in aws_dynamodb_table.keyed : role => table.name },
    { file_index = aws_dynamodb_table.file_index.name },
  )
}

output "table_arns" {
  description = "DynamoDB table ARNs by role: runs, locks, purges, restores, file_index."
  value = merge(
    { for role, table in aws_dynamodb_table.keyed : role => table.arn },
    { file_index = aws_dynamodb_table.file_index.arn },
  )
}

output "glue_catalog_database_names" {
  description = "Names of the Glue catalog databases created here (sorted)."
  value       = sort([for database in aws_glue_catalog_database.this : database.name])
}
