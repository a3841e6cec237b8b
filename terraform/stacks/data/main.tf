# The stateful half of an environment: keys, buckets, tables, catalog databases and their
# governance. Deployed rarely and protected from destroy (prevent_destroy in the modules);
# the app stack reads its outputs from <env>/data.tfstate.

locals {
  name_prefix = "archive-io-${var.env}"
}

module "governance" {
  source = "../../modules/governance"

  name_prefix              = local.name_prefix
  kms_deletion_window_days = var.kms_deletion_window_days
  warehouse_bucket_arn     = module.storage.bucket_arns["warehouse"]
  glue_catalog_databases   = module.metadata.glue_catalog_database_names
  consumer_principals      = var.consumer_principals
}

module "storage" {
  source = "../../modules/storage"

  name_prefix                    = local.name_prefix
  kms_key_arn                    = module.governance.kms_key_arn
  restored_days                  = var.restored_days
  noncurrent_version_days        = var.noncurrent_version_days
  locked_noncurrent_version_days = var.locked_noncurrent_version_days
  access_log_days                = var.access_log_days
}

module "metadata" {
  source = "../../modules/metadata"

  name_prefix            = local.name_prefix
  kms_key_arn            = module.governance.kms_key_arn
  warehouse_bucket_name  = module.storage.bucket_names["warehouse"]
  glue_catalog_databases = var.glue_catalog_databases
}
