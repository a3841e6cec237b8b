output "state_bucket" {
  description = "State bucket: the bucket of env/<env>.backend.hcl and the app stack's state_bucket."
  value       = aws_s3_bucket.state.id
}

output "state_kms_key_arn" {
  description = "KMS key of the states: the kms_key_id of env/<env>.backend.hcl."
  value       = aws_kms_key.state.arn
}

output "ci_deploy_role_arn" {
  description = "Role the GitHub workflow assumes (aws-actions/configure-aws-credentials role-to-assume)."
  value       = aws_iam_role.ci_deploy.arn
}
