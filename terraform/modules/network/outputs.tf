output "security_group_id" {
  description = "Security group of the jobs and functions that reach the source databases."
  value       = aws_security_group.this.id
}

output "subnet_ids" {
  description = "The private subnets the jobs and functions run in."
  value       = var.subnet_ids
}

output "subnet_availability_zones" {
  description = "Availability zone of each subnet (subnet id => zone), for the Glue connections."
  value       = { for id, subnet in data.aws_subnet.this : id => subnet.availability_zone }
}

output "vpc_id" {
  description = "The VPC of the security group."
  value       = var.vpc_id
}
