variable "name" {
  type        = string
  description = "Name prefix of the resources (archive-io-<env>)."
}

variable "vpc_id" {
  type        = string
  description = "VPC of the private source databases."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets the jobs and functions run in; their availability zones are looked up for the Glue connections."
}

variable "database_cidr_blocks" {
  type        = list(string)
  description = "CIDR blocks of the source databases."
}

variable "database_ports" {
  type        = list(number)
  description = "TCP ports of the source databases."
}
