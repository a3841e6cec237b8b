# Variables of both stacks for qa (deploy.sh passes this file to stacks/data and stacks/app).
# Account 222222222222 and every id below are examples: replace them with the qa account's values.
# One account per environment: the Glue databases (archive_<db>_<schema>) carry no env name.

env    = "qa"
region = "eu-west-1"

# --- Data stack ---

# Iceberg namespaces created up front and readable by the consumer role (others are created
# by the app on demand, without Lake Formation grants until listed here).
glue_catalog_databases = ["archive_sales_public"]

# Who may assume archive-io-qa-consumer (read-only, Lake Formation).
consumer_principals = ["arn:aws:iam::222222222222:role/example-analysts"]

restored_days = 7

# --- App stack ---

# The state bucket (bootstrap output state_bucket): the app stack reads the data stack's outputs there.
state_bucket = "archive-io-terraform-state-222222222222"
state_region = "eu-west-1"

# The VPC of the private source databases.
vpc_id               = "vpc-0example00000000qa"
subnet_ids           = ["subnet-0example0000000aqa", "subnet-0example0000000bqa"]
database_cidr_blocks = ["10.20.0.0/24"]

# deploy.sh passes -var bundler_image_tag=<tag> and -var functions_image_tag=<tag> (the images it
# pushed); these are for a hand-run plan.
bundler_image_tag   = "latest-qa"
functions_image_tag = "latest-qa"
