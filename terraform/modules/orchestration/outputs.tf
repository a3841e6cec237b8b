output "arns" {
  description = "State machine ARN by flow."
  value       = { for flow, machine in aws_sfn_state_machine.this : flow => machine.arn }
}

output "names" {
  description = "State machine name by flow."
  value       = { for flow, machine in aws_sfn_state_machine.this : flow => machine.name }
}

output "role_arns" {
  description = "Execution role ARN by flow."
  value       = { for flow, role in aws_iam_role.this : flow => role.arn }
}
