# Backend of the prod stacks; deploy.sh adds key = "prod/data.tfstate" or "prod/app.tfstate".
# Values from terraform/bootstrap's outputs in the prod account: replace the example ones.
bucket       = "archive-io-terraform-state-333333333333"
region       = "eu-west-1"
use_lockfile = true # S3 native lock file (Terraform >= 1.10): no DynamoDB lock table
encrypt      = true
kms_key_id   = "arn:aws:kms:eu-west-1:333333333333:key/11111111-1111-4111-8111-111111111111" # bootstrap output state_kms_key_arn
