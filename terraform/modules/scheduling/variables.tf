variable "name" {
  type        = string
  description = "Name prefix of the resources (archive-io-<env>)."
}

variable "schedule_expression" {
  type        = string
  description = "When the fallback runs: an EventBridge cron() or rate() expression."
}

variable "function_name" {
  type        = string
  description = "Name of the schedule_fallback function."
}

variable "function_arn" {
  type        = string
  description = "ARN of the schedule_fallback function."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key of the application: the dead-letter queue."
}
