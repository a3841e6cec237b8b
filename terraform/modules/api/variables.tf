variable "name" {
  type        = string
  description = "Name prefix of the resources (archive-io-<env>); the API is <name>-api."
}

variable "openapi_path" {
  type        = string
  description = "Path of the OpenAPI document generated from the API's models (docs/openapi.json)."
}

variable "function_name" {
  type        = string
  description = "Name of the api function every operation is proxied to."
}

variable "function_invoke_arn" {
  type        = string
  description = "Invoke ARN of the api function."
}

variable "stage_name" {
  type        = string
  description = "Name of the API stage (the first path segment of its URL)."
  default     = "v1"
}

variable "throttling_rate_limit" {
  type        = number
  description = "Steady-state requests per second of the stage."
}

variable "throttling_burst_limit" {
  type        = number
  description = "Burst of requests of the stage."
}

variable "manage_account" {
  type        = bool
  description = "Set the region's API Gateway account CloudWatch role (one stack per account and region should)."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key of the application: the API's log groups."
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the API's log groups."
}
