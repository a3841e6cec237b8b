output "alarm_topic_arn" {
  description = "ARN of the alarm topic (alarms, failed Batch and Glue jobs)."
  value       = aws_sns_topic.alarms.arn
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}
