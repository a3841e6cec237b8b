output "rule_arn" {
  description = "ARN of the schedule rule."
  value       = aws_cloudwatch_event_rule.this.arn
}

output "dlq_name" {
  description = "Name of the schedule's dead-letter queue."
  value       = aws_sqs_queue.dlq.name
}
