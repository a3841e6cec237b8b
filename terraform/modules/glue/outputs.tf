output "job_names" {
  description = "Glue job name by glue_jobs/ script."
  value       = { for key, job in aws_glue_job.this : key => job.name }
}

output "job_arns" {
  description = "Glue job ARN by glue_jobs/ script."
  value       = { for key, job in aws_glue_job.this : key => job.arn }
}

output "role_arns" {
  description = "Job role ARN by glue_jobs/ script (for Lake Formation grants)."
  value       = { for key, role in aws_iam_role.this : key => role.arn }
}

output "connection_names" {
  description = "The NETWORK connections every job uses."
  value       = [for connection in aws_glue_connection.network : connection.name]
}
