provider "aws" {
  region = var.region

  default_tags {
    tags = merge({ Application = "berth", Deployment = var.name }, var.tags)
  }
}

data "aws_eks_cluster" "this" {
  name = var.cluster_name
}

data "aws_iam_openid_connect_provider" "cluster" {
  url = data.aws_eks_cluster.this.identity[0].oidc[0].issuer
}

provider "helm" {
  kubernetes = {
    host                   = data.aws_eks_cluster.this.endpoint
    cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
    # A token fetched at apply time: a data-source token expires after 15 minutes, before RDS and
    # ElastiCache have finished creating and the release is installed.
    exec = {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "aws"
      args        = ["eks", "get-token", "--cluster-name", var.cluster_name, "--region", var.region]
    }
  }
}

locals {
  vpc_id      = data.aws_eks_cluster.this.vpc_config[0].vpc_id
  oidc_issuer = trimprefix(data.aws_eks_cluster.this.identity[0].oidc[0].issuer, "https://")

  # The S3 blob store keeps committed blobs under <prefix>/objects/ and the pieces of unfinished
  # uploads under <prefix>/staging/ (packages/blob-store/src/s3/s3-layout.ts); the IAM policy and
  # the lifecycle rules must name the same folders.
  key_prefix     = trim(var.s3_key_prefix, "/")
  key_prefix_dir = local.key_prefix == "" ? "" : "${local.key_prefix}/"
  staging_prefix = "${local.key_prefix_dir}staging/"
}
