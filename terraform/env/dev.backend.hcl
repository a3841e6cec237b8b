# Backend of the dev stacks; deploy.sh adds key = "dev/data.tfstate" or "dev/app.tfstate".
# Values from terraform/bootstrap's outputs in the dev account: replace the example ones.
bucket       = "archive-io-terraform-state-111111111111"
region       = "eu-west-1"
use_lockfile = true # S3 native lock file (Terraform >= 1.10): no DynamoDB lock table
encrypt      = true
kms_key_id   = "arn:aws:kms:eu-west-1:111111111111:key/11111111-1111-4111-8111-111111111111" # bootstrap output state_kms_key_arn
