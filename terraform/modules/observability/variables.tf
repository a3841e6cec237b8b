variable "name" {
  type        = string
  description = "Name prefix of the resources (archive-io-<env>)."
}

variable "state_machine_arns" {
  type        = map(string)
  description = "State machine ARN by flow: an alarm on failed executions each."
}

variable "function_names" {
  type        = map(string)
  description = "Function name by lambdas/ folder: an alarm on errors each."
}

variable "dlq_names" {
  type        = map(string)
  description = "Dead-letter queue name by what it serves: an alarm on any message each."
}

variable "glue_job_names" {
  type        = map(string)
  description = "Glue job name by script: their failed runs are sent to the alarm topic."
}

variable "batch_job_queue_arn" {
  type        = string
  description = "The Batch job queue: its failed jobs are sent to the alarm topic."
}

variable "api_name" {
  type        = string
  description = "Name of the REST API, for the dashboard's API widgets."
}

variable "api_stage_name" {
  type        = string
  description = "Stage of the REST API, for the dashboard's API widgets."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key of the application: the alarm topic."
}

variable "alarm_emails" {
  type        = list(string)
  description = "Addresses subscribed to the alarm topic."
}
