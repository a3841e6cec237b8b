variable "region" {
  type        = string
  description = "AWS region of the state bucket and of the environments the CI role deploys."
}

variable "state_bucket_name" {
  type        = string
  description = "Name of the S3 bucket holding the stacks' states (<env>/data.tfstate, <env>/app.tfstate); env/<env>.backend.hcl names it."
}

variable "state_noncurrent_version_days" {
  type        = number
  description = "Days an old version of a state file is kept (to roll a state back)."
  default     = 90

  validation {
    condition     = var.state_noncurrent_version_days >= 1
    error_message = "state_noncurrent_version_days must be at least 1."
  }
}

variable "access_log_days" {
  type        = number
  description = "Days the state bucket's server access logs are kept."
  default     = 365

  validation {
    condition     = var.access_log_days >= 1
    error_message = "access_log_days must be at least 1."
  }
}

variable "github_repository" {
  type        = string
  description = "GitHub repository (owner/name) whose workflows may assume the CI deploy role."

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository is owner/name."
  }
}

variable "deploy_branches" {
  type        = list(string)
  description = "Branches of github_repository whose workflows may assume the CI deploy role."
  default     = ["main"]
}

variable "deploy_environments" {
  type        = list(string)
  description = "Environments the CI role deploys (archive-io-<env>-* resources), also the GitHub environments whose jobs may assume it."
  default     = ["dev", "qa", "prod"]

  validation {
    condition     = length(var.deploy_environments) > 0 && alltrue([for env in var.deploy_environments : contains(["dev", "qa", "prod"], env)])
    error_message = "deploy_environments lists some of dev, qa, prod."
  }
}
