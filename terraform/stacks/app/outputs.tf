output "api_url" {
  description = "Base URL of the REST API (callers sign their requests: IAM authorization)."
  value       = module.api.url
}

output "api_execution_arn" {
  description = "Execution ARN of the API stage, for callers' execute-api:Invoke policies."
  value       = module.api.execution_arn
}

output "state_machine_arns" {
  description = "State machine ARN by flow."
  value       = module.orchestration.arns
}

output "function_names" {
  description = "Lambda function name by lambdas/ folder."
  value       = module.functions.names
}

output "glue_job_names" {
  description = "Glue job name by glue_jobs/ script."
  value       = module.glue.job_names
}

output "functions_repository_url" {
  description = "ECR repository deploy.sh pushes the functions' image to."
  value       = module.functions.repository_url
}

output "bundler_repository_url" {
  description = "ECR repository deploy.sh pushes the bundler image to."
  value       = module.batch.repository_url
}

output "notifications_topic_arn" {
  description = "ARN of the notifications topic."
  value       = module.notifications.topic_arn
}

output "alarm_topic_arn" {
  description = "ARN of the alarm topic."
  value       = module.observability.alarm_topic_arn
}

output "app_kms_key_arn" {
  description = "ARN of the application KMS key."
  value       = aws_kms_key.app.arn
}

output "role_arns" {
  description = "Roles that read or write the archive (functions, Glue jobs, bundler), for Lake Formation grants if the catalog is governed."
  value = {
    functions = module.functions.role_arns
    glue_jobs = module.glue.role_arns
    bundler   = module.batch.job_role_arn
  }
}
