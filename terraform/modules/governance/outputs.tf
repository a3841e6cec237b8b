output "kms_key_arn" {
  description = "ARN of the data KMS key (buckets, tables)."
  value       = aws_kms_key.data.arn
}
