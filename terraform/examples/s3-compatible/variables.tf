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
}

variable "image_repository" {
  description = "Repository of the Berth image."
  type        = string
}

variable "image_tag" {
  description = "Image tag. Empty uses the chart's appVersion."
  type        = string
  default     = ""
}

variable "public_url" {
  description = "External URL of the registry, e.g. https://registry.example.com."
  type        = string
  default     = ""
}

variable "s3_endpoint" {
  description = "Endpoint of the S3-compatible store, e.g. https://minio.storage.svc:9000 or https://ACCOUNT.r2.cloudflarestorage.com."
  type        = string
}

variable "s3_region" {
  description = "Region the store expects in signatures (us-east-1 for MinIO and Ceph by default, auto for R2)."
  type        = string
  default     = "us-east-1"
}

variable "s3_bucket" {
  description = "Existing bucket for the blobs."
  type        = string
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
}

variable "s3_secret_access_key" {
  description = "Secret key of that user."
  type        = string
  sensitive   = true
}

variable "postgres_url" {
  description = "postgres://USER:PASSWORD@HOST:5432/DB?sslmode=verify-full"
  type        = string
  sensitive   = true
}

variable "redis_url" {
  description = "redis:// or rediss:// URL of a Redis reachable from the cluster."
  type        = string
  sensitive   = true
}

variable "extra_ca_certs" {
  description = "PEM certificates to trust in addition to the public roots, for a store or database behind a private CA."
  type        = string
  default     = ""
}

variable "replicas" {
  description = "Pods; every backend is external, so any number works."
  type        = number
  default     = 2
}
