output "name" {
  description = "The repository's name."
  value       = aws_ecr_repository.this.name
}

output "arn" {
  description = "The repository's ARN (pull permissions)."
  value       = aws_ecr_repository.this.arn
}

output "repository_url" {
  description = "Where deploy.sh pushes the images and from where they are pulled (<url>:<tag>)."
  value       = aws_ecr_repository.this.repository_url
}
