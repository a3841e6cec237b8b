variable "name" {
  type        = string
  description = "Name prefix of the resources (archive-io-<env>); the topic is <name>-notifications."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key encrypting the topic's messages."
}

variable "publisher_role_arns" {
  type        = list(string)
  description = "The only principals that may publish: the state machines' roles (runs and restores are notified by their flows)."
}
