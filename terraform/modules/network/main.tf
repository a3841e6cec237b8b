# One security group for everything that opens a private database: Glue jobs (through their
# NETWORK connections), the Batch bundler tasks and the functions that test or query a source.
# There is no route to the internet: AWS APIs are reached through VPC endpoints (gateway
# endpoints for S3 and DynamoDB, interface endpoints for Glue, Secrets Manager, Step Functions,
# SNS, STS, KMS, CloudWatch Logs, ECR), which the VPC must provide.

data "aws_region" "current" {}

data "aws_vpc" "this" {
  id = var.vpc_id
}

data "aws_subnet" "this" {
  for_each = toset(var.subnet_ids)

  id = each.value
}

# The AWS-managed prefix lists of the S3 and DynamoDB gateway endpoints.
data "aws_prefix_list" "gateway" {
  for_each = toset(["s3", "dynamodb"])

  name = "com.amazonaws.${data.aws_region.current.region}.${each.value}"
}

resource "aws_security_group" "this" {
  #checkov:skip=CKV2_AWS_5:attached to the functions, the Glue connections and the Batch compute environment through this module's output, which checkov's graph does not follow
  name        = "${var.name}-jobs"
  description = "Archive-IO jobs and functions that reach private source databases"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name}-jobs"
  }

  lifecycle {
    create_before_destroy = true
  }
}

# Glue requires a self-referencing rule: a Spark job's driver and executors talk to each other.
resource "aws_vpc_security_group_ingress_rule" "self" {
  #checkov:skip=CKV_AWS_24:the source is this security group itself (referenced_security_group_id), not 0.0.0.0/0; checkov ignores that argument
  #checkov:skip=CKV_AWS_25:the source is this security group itself (referenced_security_group_id), not 0.0.0.0/0; checkov ignores that argument
  #checkov:skip=CKV_AWS_260:the source is this security group itself (referenced_security_group_id), not 0.0.0.0/0; checkov ignores that argument
  security_group_id            = aws_security_group.this.id
  description                  = "Glue Spark driver and executors (Glue requires a self-referencing rule)"
  ip_protocol                  = "tcp"
  from_port                    = 0
  to_port                      = 65535
  referenced_security_group_id = aws_security_group.this.id
}

resource "aws_vpc_security_group_egress_rule" "self" {
  security_group_id            = aws_security_group.this.id
  description                  = "Glue Spark driver and executors"
  ip_protocol                  = "tcp"
  from_port                    = 0
  to_port                      = 65535
  referenced_security_group_id = aws_security_group.this.id
}

resource "aws_vpc_security_group_egress_rule" "database" {
  for_each = {
    for pair in setproduct(var.database_cidr_blocks, var.database_ports) : "${pair[0]}:${pair[1]}" => {
      cidr = pair[0]
      port = pair[1]
    }
  }

  security_group_id = aws_security_group.this.id
  description       = "Source database ${each.key}"
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = each.value.cidr
}

resource "aws_vpc_security_group_egress_rule" "endpoints" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to the VPC's interface endpoints"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = data.aws_vpc.this.cidr_block
}

resource "aws_vpc_security_group_egress_rule" "gateway_endpoints" {
  for_each = data.aws_prefix_list.gateway

  security_group_id = aws_security_group.this.id
  description       = "HTTPS to the ${each.key} gateway endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = each.value.id
}
