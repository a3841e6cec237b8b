terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Partial configuration: deploy.sh passes -backend-config=../../env/<env>.backend.hcl and
  # -backend-config=key=<env>/app.tfstate.
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      Project     = "archive-io"
      Environment = var.env
      Stack       = "app"
    })
  }
}
