variable "name" {
  type        = string
  description = "Repository name: <prefix>-<image> (archive-io-<env>-functions, archive-io-<env>-bundler)."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key that encrypts the images."
}
