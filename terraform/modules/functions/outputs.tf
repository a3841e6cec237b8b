output "names" {
  description = "Function name by lambdas/ folder."
  value       = { for key, fn in aws_lambda_function.this : key => fn.function_name }
}

output "arns" {
  description = "Function ARN by lambdas/ folder."
  value       = { for key, fn in aws_lambda_function.this : key => fn.arn }
}

output "invoke_arns" {
  description = "Invoke ARN (for API Gateway integrations) by lambdas/ folder."
  value       = { for key, fn in aws_lambda_function.this : key => fn.invoke_arn }
}

output "role_arns" {
  description = "Execution role ARN by lambdas/ folder (for Lake Formation grants)."
  value       = { for key, role in aws_iam_role.this : key => role.arn }
}

output "dlq_names" {
  description = "Dead-letter queue name by lambdas/ folder."
  value       = { for key, queue in aws_sqs_queue.dlq : key => queue.name }
}

output "repository_url" {
  description = "URL of the functions' ECR repository (deploy.sh pushes the image there)."
  value       = module.repository.repository_url
}
