variable "name" {
  type        = string
  description = "Name prefix of the resources (archive-io-<env>)."
}

variable "image_tag" {
  type        = string
  description = "Tag of the bundler image (built from batch_containers/bundler/Dockerfile and pushed by deploy.sh)."
}

variable "environment" {
  type        = map(string)
  description = "Environment of the bundler container: the settings (ARCHIVE_IO_*)."
}

variable "job_statements" {
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  description = "IAM statements of the bundler's job role (what the job reads and writes); a statement whose resources are empty is left out."
}

variable "vcpu" {
  type        = number
  description = "vCPUs of one bundler job."
}

variable "memory" {
  type        = number
  description = "Memory (MiB) of one bundler job."
}

variable "max_vcpus" {
  type        = number
  description = "Upper bound of vCPUs of the Fargate compute environment."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets of the Fargate tasks."
}

variable "security_group_ids" {
  type        = list(string)
  description = "Security groups of the Fargate tasks."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key of the application: ECR images and the job log group."
}

variable "data_kms_key_arn" {
  type        = string
  description = "KMS key of the data stack's buckets and tables, which the bundler reads and writes."
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the jobs' log group."
}
