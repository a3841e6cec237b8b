output "bucket_names" {
  description = "Bucket names by role: warehouse, files, restored, reports, config, artifacts."
  value       = { for role, bucket in aws_s3_bucket.this : role => bucket.id }
}

output "bucket_arns" {
  description = "Bucket ARNs by role: warehouse, files, restored, reports, config, artifacts."
  value       = { for role, bucket in aws_s3_bucket.this : role => bucket.arn }
}
