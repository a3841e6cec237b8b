terraform {
  # 1.10: the S3 backend's native lock file (use_lockfile).
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Partial configuration: deploy.sh passes env/<env>.backend.hcl and key=<env>/data.tfstate.
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      Project     = "archive-io"
      Environment = var.env
      Stack       = "data"
      ManagedBy   = "terraform"
    })
  }
}
