terraform {
  # 1.10: the S3 backend's native lock file (use_lockfile), which the stacks use.
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # No backend block on purpose: the bootstrap creates the state bucket, so it cannot keep its
  # own state there. Its state is local (terraform.tfstate in this folder): run it once per
  # account by hand with administrator credentials, and keep that file somewhere safe (it
  # holds no secrets). Everything else keeps its state in the bucket made here.
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project   = "archive-io"
      Stack     = "bootstrap"
      ManagedBy = "terraform"
    }
  }
}
