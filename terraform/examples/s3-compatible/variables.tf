variable "kubeconfig_path" {
  description = "Kubeconfig of the target cluster."
  type        = string
  default     = "~/.kube/config"
}

variable "kube_context" {
  description = "Kubeconfig context; empty uses the current one."
  type        = string
  default     = ""
}

variable "namespace" {
  description = "Kubernetes namespace of the release (created if missing)."
  type        = string
  default     = "berth"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.namespace)) && length(var.namespace) <= 63
    error_message = "The namespace must be a DNS label: at most 63 lowercase letters, digits or hyphens."
  }
}

variable "image_repository" {
  description = "Repository of the Berth image."
  type        = string

  validation {
    condition     = length(var.image_repository) > 0 && !can(regex(":[^/]*$", var.image_repository))
    error_message = "The image_repository must be a repository without a tag; the tag goes in image_tag."
  }
}

variable "image_tag" {
  description = "Image tag. Empty uses the chart's appVersion."
  type        = string
  default     = ""

  validation {
    condition     = var.image_tag == "" || can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "The image_tag must be empty or a valid image tag."
  }
}

variable "public_url" {
  description = "External URL of the registry, e.g. https://registry.example.com."
  type        = string
  default     = ""

  validation {
    condition     = var.public_url == "" || can(regex("^https?://[^/]+", var.public_url))
    error_message = "The public_url must be empty or an http(s) URL such as https://registry.example.com."
  }
}

variable "s3_endpoint" {
  description = "Endpoint of the S3-compatible store, e.g. https://minio.storage.svc:9000 or https://ACCOUNT.r2.cloudflarestorage.com."
  type        = string

  validation {
    condition     = can(regex("^https?://[^/]+", var.s3_endpoint))
    error_message = "The s3_endpoint must be an http(s) URL."
  }
}

variable "s3_region" {
  description = "Region the store expects in signatures (us-east-1 for MinIO and Ceph by default, auto for R2)."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = length(var.s3_region) > 0
    error_message = "The s3_region must not be empty; MinIO and Ceph expect us-east-1 unless configured otherwise."
  }
}

variable "s3_bucket" {
  description = "Existing bucket for the blobs."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.s3_bucket))
    error_message = "The s3_bucket must be a valid bucket name: 3-63 lowercase letters, digits, dots or hyphens."
  }
}

variable "s3_force_path_style" {
  description = "Address the bucket as ENDPOINT/BUCKET rather than BUCKET.ENDPOINT; needed by most self-hosted stores."
  type        = bool
  default     = true
}

variable "s3_redirect" {
  description = "Redirect pulls to presigned URLs. Only when clients (nodes, CI) can reach s3_endpoint themselves."
  type        = bool
  default     = false
}

variable "s3_access_key_id" {
  description = "Access key of a store user limited to the bucket."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.s3_access_key_id) > 0
    error_message = "The s3_access_key_id must not be empty."
  }
}

variable "s3_secret_access_key" {
  description = "Secret key of that user."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.s3_secret_access_key) > 0
    error_message = "The s3_secret_access_key must not be empty."
  }
}

variable "postgres_url" {
  description = "postgres://USER:PASSWORD@HOST:5432/DB?sslmode=verify-full"
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^postgres(ql)?://", var.postgres_url))
    error_message = "The postgres_url must be a postgres:// URL."
  }
}

variable "redis_url" {
  description = "redis:// or rediss:// URL of a Redis reachable from the cluster."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^rediss?://", var.redis_url))
    error_message = "The redis_url must be a redis:// or rediss:// URL."
  }
}

variable "extra_ca_certs" {
  description = "PEM certificates to trust in addition to the public roots, for a store or database behind a private CA."
  type        = string
  default     = ""

  validation {
    condition     = var.extra_ca_certs == "" || strcontains(var.extra_ca_certs, "BEGIN CERTIFICATE")
    error_message = "The extra_ca_certs must be empty or PEM certificates."
  }
}

variable "replicas" {
  description = "Pods; every backend is external, so any number works."
  type        = number
  default     = 2

  validation {
    condition     = var.replicas >= 1 && floor(var.replicas) == var.replicas
    error_message = "The replicas must be a whole number, at least 1."
  }
}
