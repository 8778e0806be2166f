# Node does not trust the RDS certificate authorities by default; the chart adds this bundle to the
# pods' trust store (NODE_EXTRA_CA_CERTS) so that sslmode=verify-full works.
data "http" "rds_ca_bundle" {
  url = var.rds_ca_bundle_url

  lifecycle {
    postcondition {
      condition     = self.status_code == 200 && strcontains(self.response_body, "BEGIN CERTIFICATE")
      error_message = "Could not download the RDS CA bundle from ${var.rds_ca_bundle_url}."
    }
  }
}

locals {
  helm_values = {
    image = {
      repository = var.image_repository
      tag        = var.image_tag
    }
    serviceAccount = {
      create = true
      name   = var.service_account_name
      annotations = {
        "eks.amazonaws.com/role-arn" = aws_iam_role.pods.arn
      }
    }
    config = {
      http = {
        publicUrl = var.public_url
      }
      blobs = {
        driver   = "s3"
        redirect = true
        s3 = {
          bucket = aws_s3_bucket.blobs.id
          region = var.region
          prefix = local.key_prefix
        }
      }
      metadata = {
        driver = "postgres"
        postgres = {
          poolSize = var.db_pool_size
        }
      }
      coordinator = {
        driver = "redis"
      }
      # Explicit, so that a change of the chart's default cannot open the registry to anonymous pushes.
      auth = {
        enabled = true
      }
    }
    extraCaCerts = data.http.rds_ca_bundle.response_body
    autoscaling = {
      enabled     = true
      minReplicas = var.min_replicas
      maxReplicas = var.max_replicas
    }
  }

  # Kept apart so that the plan shows the first document and hides only the credentials.
  helm_secret_values = {
    secrets = {
      postgresUrl = local.postgres_url
      redisUrl    = local.redis_url
    }
  }
}

resource "helm_release" "berth" {
  name             = var.release_name
  namespace        = var.namespace
  create_namespace = true
  chart            = "${path.module}/../helm/berth"

  # The pre-install/pre-upgrade hook runs migrations before any pod starts; a failed upgrade rolls back.
  atomic          = true
  cleanup_on_fail = true
  wait            = true
  timeout         = 900
  max_history     = 10

  # Whole locals rather than inline objects: the repository's tests read them to check the names
  # against the chart's values.yaml.
  values = concat(
    [yamlencode(local.helm_values), yamlencode(local.helm_secret_values)],
    var.helm_values,
  )

  depends_on = [
    aws_iam_role_policy.blobs,
    aws_s3_bucket_lifecycle_configuration.blobs,
    aws_s3_bucket_policy.blobs,
    aws_vpc_security_group_ingress_rule.db_from_nodes,
    aws_vpc_security_group_ingress_rule.redis_from_nodes,
  ]
}
