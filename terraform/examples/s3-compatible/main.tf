# Berth on any Kubernetes cluster with an S3-compatible store (MinIO, Ceph RGW, Cloudflare R2, ...)
# and existing PostgreSQL and Redis. Nothing here touches AWS.

provider "helm" {
  kubernetes = {
    config_path    = pathexpand(var.kubeconfig_path)
    config_context = var.kube_context == "" ? null : var.kube_context
  }
}

resource "helm_release" "berth" {
  name             = "berth"
  namespace        = var.namespace
  create_namespace = true
  chart            = "${path.module}/../../../helm/berth"

  atomic          = true
  cleanup_on_fail = true
  timeout         = 900
  max_history     = 10

  # Whole locals rather than inline objects: the repository's tests read them to check the names
  # against the chart's values.yaml. The credentials are a document of their own, hidden in plans.
  values = [yamlencode(local.helm_values), yamlencode(local.helm_secret_values)]
}

locals {
  helm_values = {
    replicaCount = var.replicas
    image = {
      repository = var.image_repository
      tag        = var.image_tag
    }
    config = {
      http = {
        publicUrl = var.public_url
      }
      blobs = {
        driver   = "s3"
        redirect = var.s3_redirect
        s3 = {
          bucket         = var.s3_bucket
          region         = var.s3_region
          endpoint       = var.s3_endpoint
          forcePathStyle = var.s3_force_path_style
        }
      }
      metadata = {
        driver = "postgres"
      }
      coordinator = {
        driver = "redis"
      }
      # Explicit, so that a change of the chart's default cannot open the registry to anonymous pushes.
      auth = {
        enabled = true
      }
    }
    extraCaCerts = var.extra_ca_certs
  }

  helm_secret_values = {
    secrets = {
      postgresUrl       = var.postgres_url
      redisUrl          = var.redis_url
      s3AccessKeyId     = var.s3_access_key_id
      s3SecretAccessKey = var.s3_secret_access_key
    }
  }
}

output "release" {
  description = "Namespace and name of the Helm release."
  value       = "${helm_release.berth.namespace}/${helm_release.berth.name}"
}
