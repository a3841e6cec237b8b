# Variables of both stacks for prod (deploy.sh passes this file to stacks/data and stacks/app).
# Account 333333333333 and every id below are examples: replace them with the prod account's values.
# One account per environment: the Glue databases (archive_<db>_<schema>) carry no env name.

env    = "prod"
region = "eu-west-1"

# --- Data stack ---

# Iceberg namespaces created up front and readable by the consumer role (others are created
# by the app on demand, without Lake Formation grants until listed here).
glue_catalog_databases = ["archive_sales_public", "archive_billing_public"]

# Who may assume archive-io-prod-consumer (read-only, Lake Formation).
consumer_principals = ["arn:aws:iam::333333333333:role/example-analysts"]

restored_days = 14

# --- App stack ---

# The state bucket (bootstrap output state_bucket): the app stack reads the data stack's outputs there.
state_bucket = "archive-io-terraform-state-333333333333"
state_region = "eu-west-1"

# The VPC of the private source databases.
vpc_id               = "vpc-0example00000000prod"
subnet_ids           = ["subnet-0example0000000aprod", "subnet-0example0000000bprod"]
database_cidr_blocks = ["10.20.0.0/24"]

# deploy.sh passes -var bundler_image_tag=<tag> and -var functions_image_tag=<tag> (the images it
# pushed); these are for a hand-run plan.
bundler_image_tag   = "latest-prod"
functions_image_tag = "latest-prod"
