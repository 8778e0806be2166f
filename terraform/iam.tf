# IRSA: the pods' service account, and only it, may assume this role.
data "aws_iam_policy_document" "assume_from_service_account" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [data.aws_iam_openid_connect_provider.cluster.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:sub"
      values   = ["system:serviceaccount:${var.namespace}:${var.service_account_name}"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "pods" {
  name_prefix        = "${var.name}-pods-"
  description        = "Berth pods (IRSA): blob storage in ${var.bucket_name}"
  assume_role_policy = data.aws_iam_policy_document.assume_from_service_account.json
}

# Exactly what the S3 blob store does: object reads and writes, multipart uploads, listing. Nothing
# on other buckets, no bucket configuration, no ACLs.
data "aws_iam_policy_document" "blobs" {
  statement {
    sid = "Objects"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
    ]
    resources = ["${aws_s3_bucket.blobs.arn}/${local.key_prefix_dir}*"]
  }

  statement {
    sid = "Bucket"
    actions = [
      "s3:ListBucket",
      "s3:ListBucketMultipartUploads",
    ]
    resources = [aws_s3_bucket.blobs.arn]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]

    content {
      sid       = "BucketKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${var.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "blobs" {
  name   = "blobs"
  role   = aws_iam_role.pods.id
  policy = data.aws_iam_policy_document.blobs.json
}
