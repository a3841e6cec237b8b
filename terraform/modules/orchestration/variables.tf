variable "name" {
  type        = string
  description = "Name prefix of the resources (archive-io-<env>); state machine <name>-<flow with _ as ->."
}

variable "state_machines" {
  type        = map(map(string))
  description = "One state machine per stepfunctions/<flow>.asl.json (key = flow): the values of its placeholders. Its role is derived from them: *_function_arn may be invoked, *_job_name (Glue) run, *_table_name (DynamoDB) updated, *_topic_arn published to, *_job_queue_arn and *_job_definition_arn (Batch) submitted to."
}

variable "notifications_topic_arn" {
  type        = string
  description = "The notifications topic: every flow publishes to it (restore_flow takes the topic from its function's answer)."
}

variable "kms_key_arns" {
  type        = list(string)
  description = "KMS keys the flows use through their integrations: the topic's key and the tables' key."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key of the application: the state machines' log groups."
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the state machines' log groups."
}

variable "log_level" {
  type        = string
  description = "Execution history logged to CloudWatch (ERROR or ALL); execution data is never included."
  default     = "ERROR"

  validation {
    condition     = contains(["ERROR", "ALL"], var.log_level)
    error_message = "log_level is ERROR or ALL."
  }
}
