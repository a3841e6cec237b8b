variable "name" {
  type        = string
  description = "Name prefix of the resources (archive-io-<env>); function <name>-<folder with _ as ->."
}

variable "functions" {
  type = map(object({
    description          = string
    timeout              = number
    memory_size          = number
    reserved_concurrency = optional(number)
    in_vpc               = bool
    statements = list(object({
      sid       = string
      actions   = list(string)
      resources = list(string)
    }))
  }))
  description = "One function per folder of lambdas/ (key = folder): its settings, whether it runs in the VPC (it opens source databases), and the IAM statements of its role. A statement whose resources are empty is left out."
}

variable "image_tag" {
  type        = string
  description = "Tag of the functions' image (built from lambdas/Dockerfile and pushed by deploy.sh to the <name>-functions repository this module creates)."
}

variable "environment" {
  type        = map(string)
  description = "Environment of every function: the settings (ARCHIVE_IO_*)."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key of the application: environment variables, log groups, dead-letter queues, the image repository."
}

variable "data_kms_key_arn" {
  type        = string
  description = "KMS key of the data stack's buckets and tables, which every function reads or writes."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets of the functions that run in the VPC."
}

variable "security_group_ids" {
  type        = list(string)
  description = "Security groups of the functions that run in the VPC."
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the functions' log groups."
}
