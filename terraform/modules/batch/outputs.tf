output "job_queue_arn" {
  description = "ARN of the <prefix>-jobs queue."
  value       = aws_batch_job_queue.jobs.arn
}

output "job_definition_arn" {
  description = "ARN (with revision) of the <prefix>-bundler job definition."
  value       = aws_batch_job_definition.bundler.arn
}

output "repository_url" {
  description = "URL of the bundler's ECR repository (deploy.sh pushes the image there)."
  value       = module.repository.repository_url
}

output "job_role_arn" {
  description = "ARN of the bundler's job role."
  value       = aws_iam_role.job.arn
}
