# The environment's six buckets (names as in src/archive_io/names.py) and the bucket that
# receives their server access logs. Every bucket: the data KMS key, versioning, no public
# access, TLS only, object ownership enforced, lifecycle rules, access logs, EventBridge events.

data "aws_caller_identity" "current" {}

locals {
  # noncurrent_days: how long an overwritten or deleted version is kept.
  # expiration_days: current objects expire (restored copies only).
  buckets = {
    # Iceberg tables. Object Lock so a legal hold is enforced by S3 itself.
    warehouse = { object_lock = true, noncurrent_days = var.locked_noncurrent_version_days, expiration_days = null }
    # Zip bundles (Glacier Deep Archive) and their manifests (Standard); legal holds per object.
    files = { object_lock = true, noncurrent_days = var.locked_noncurrent_version_days, expiration_days = null }
    # Files extracted by restores: temporary copies that expire.
    restored = { object_lock = false, noncurrent_days = 1, expiration_days = var.restored_days }
    # PDF reports, plans/ and restores/ JSON.
    reports = { object_lock = false, noncurrent_days = var.noncurrent_version_days, expiration_days = null }
    # Onboarding YAML and legal-holds/.
    config = { object_lock = false, noncurrent_days = var.noncurrent_version_days, expiration_days = null }
    # The wheel, JDBC driver jars and Glue scripts of the Glue jobs (deploy.sh uploads them).
    artifacts = { object_lock = false, noncurrent_days = var.noncurrent_version_days, expiration_days = null }
  }

  access_logs_bucket = "${var.name_prefix}-access-logs"
}

resource "aws_s3_bucket" "this" {
  for_each = local.buckets
  #checkov:skip=CKV_AWS_144:Single-region platform; versioning, Object Lock and PITR cover recovery, and cross-region replication is a disaster-recovery choice for the account owner.

  bucket = "${var.name_prefix}-${each.key}"
  # Object Lock without a default retention: the app sets legal holds per object.
  object_lock_enabled = each.value.object_lock

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = aws_s3_bucket.this

  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    # One data key per bucket instead of one KMS request per object.
    bucket_key_enabled = true
  }
}

data "aws_iam_policy_document" "tls_only" {
  for_each = aws_s3_bucket.this

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      each.value.arn,
      "${each.value.arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  policy = data.aws_iam_policy_document.tls_only[each.key].json

  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  # Deleted and overwritten versions go after noncurrent_days, so a purge really frees the
  # data. On the Object Lock buckets S3 never expires a version under a legal hold: the rule
  # cannot defeat a hold, it only removes what is no longer held. Restored copies expire
  # after expiration_days; elsewhere only the delete markers left alone are cleaned up.
  rule {
    id     = "expire-old-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = local.buckets[each.key].noncurrent_days
    }

    expiration {
      days                         = local.buckets[each.key].expiration_days
      expired_object_delete_marker = local.buckets[each.key].expiration_days == null ? true : null
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  for_each = aws_s3_bucket.this

  bucket        = each.value.id
  target_bucket = aws_s3_bucket.access_logs.id
  target_prefix = "${each.value.id}/"
}

# S3 events go to EventBridge: rules may react to them (e.g. a new onboarding file), and
# without a rule they cost nothing.
resource "aws_s3_bucket_notification" "this" {
  for_each = aws_s3_bucket.this

  bucket      = each.value.id
  eventbridge = true
}

# --- Server access logs of the six buckets ---

resource "aws_s3_bucket" "access_logs" {
  #checkov:skip=CKV_AWS_18:This is the access log bucket; logging it would need yet another bucket.
  #checkov:skip=CKV_AWS_144:Single-region platform; access logs need no cross-region copy.
  #checkov:skip=CKV_AWS_145:S3 server access log delivery supports SSE-S3 destination buckets only, not SSE-KMS.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to access log deliveries; event notifications would have no consumer.
  bucket = local.access_logs_bucket

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_ownership_controls" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  bucket                  = aws_s3_bucket.access_logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

data "aws_iam_policy_document" "access_logs" {
  statement {
    sid       = "S3ServerAccessLogDelivery"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.access_logs.arn}/*"]

    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [for bucket in aws_s3_bucket.this : bucket.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.access_logs.arn,
      "${aws_s3_bucket.access_logs.arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  policy = data.aws_iam_policy_document.access_logs.json

  depends_on = [aws_s3_bucket_public_access_block.access_logs]
}

resource "aws_s3_bucket_lifecycle_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  rule {
    id     = "expire-access-logs"
    status = "Enabled"

    filter {}

    expiration {
      days = var.access_log_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.access_logs]
}
