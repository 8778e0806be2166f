# --- Placement ---------------------------------------------------------------------------------

variable "region" {
  description = "AWS region of the EKS cluster and of everything this module creates."
  type        = string
}

variable "name" {
  description = "Name of this deployment, used in the names of the AWS resources."
  type        = string
  default     = "berth"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.name))
    error_message = "name must be 1-31 lowercase letters, digits or hyphens, starting with a letter (ElastiCache IDs are short)."
  }
}

variable "tags" {
  description = "Tags added to every AWS resource."
  type        = map(string)
  default     = {}
}

variable "cluster_name" {
  description = "Name of the existing EKS cluster. Its OIDC provider must already be registered in IAM (for IRSA)."
  type        = string
}

variable "node_security_group_id" {
  description = "Security group of the cluster's worker nodes, the only source allowed to reach PostgreSQL and Redis. For managed node groups without a launch template this is the EKS cluster security group."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets, in at least two availability zones, for RDS and ElastiCache."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "RDS and ElastiCache subnet groups need subnets in at least two availability zones."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the bucket, the database, Redis and the secrets. Null uses AWS-managed keys."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Protect the database from deletion. Turn off before `terraform destroy`."
  type        = bool
  default     = true
}

# --- S3 ----------------------------------------------------------------------------------------

variable "bucket_name" {
  description = "Name of the S3 bucket for blobs (globally unique)."
  type        = string
}

variable "bucket_force_destroy" {
  description = "Let `terraform destroy` delete a bucket that still holds images."
  type        = bool
  default     = false
}

variable "s3_key_prefix" {
  description = "Key prefix for every object Berth writes, to share a bucket. Empty uses the whole bucket."
  type        = string
  default     = ""
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which S3 aborts an unfinished multipart upload. Must exceed the upload session TTL (1 day by default)."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1
    error_message = "abort_incomplete_multipart_upload_days must be at least 1."
  }
}

variable "staging_expiration_days" {
  description = "Days after which objects under staging/ (the small trailing pieces of unfinished uploads) expire. Must exceed the upload session TTL."
  type        = number
  default     = 7

  validation {
    condition     = var.staging_expiration_days >= 1
    error_message = "staging_expiration_days must be at least 1."
  }
}

# --- PostgreSQL --------------------------------------------------------------------------------

variable "db_engine_version" {
  description = "PostgreSQL major version (minor versions are upgraded automatically)."
  type        = string
  default     = "16"
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.medium"
}

variable "db_allocated_storage" {
  description = "Initial storage in GiB. Metadata only: blobs live in S3."
  type        = number
  default     = 20
}

variable "db_max_allocated_storage" {
  description = "Upper bound in GiB for storage autoscaling."
  type        = number
  default     = 100
}

variable "db_multi_az" {
  description = "Run a synchronous standby in a second availability zone."
  type        = bool
  default     = true
}

variable "db_backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery)."
  type        = number
  default     = 7
}

variable "db_skip_final_snapshot" {
  description = "Skip the final snapshot when the database is destroyed."
  type        = bool
  default     = false
}

variable "db_pool_size" {
  description = "Connections per pod. max_replicas x db_pool_size must stay below the instance's max_connections."
  type        = number
  default     = 10
}

variable "rds_ca_bundle_url" {
  description = "PEM bundle of the RDS certificate authorities, trusted by the pods so that sslmode=verify-full can verify the database."
  type        = string
  default     = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
}

variable "secret_recovery_window_days" {
  description = "Days Secrets Manager keeps a deleted secret recoverable (0 deletes at once)."
  type        = number
  default     = 7
}

# --- Redis -------------------------------------------------------------------------------------

variable "redis_engine_version" {
  description = "ElastiCache Redis OSS version (major.minor)."
  type        = string
  default     = "7.1"
}

variable "redis_node_type" {
  description = "ElastiCache node type. Berth keeps only upload sessions, locks and small caches there."
  type        = string
  default     = "cache.t4g.small"
}

variable "redis_num_cache_clusters" {
  description = "Nodes in the replication group: 1 for a single node, 2 or more for a replica with automatic failover."
  type        = number
  default     = 2

  validation {
    condition     = var.redis_num_cache_clusters >= 1 && var.redis_num_cache_clusters <= 6
    error_message = "redis_num_cache_clusters must be between 1 and 6."
  }
}

# --- Helm release ------------------------------------------------------------------------------

variable "namespace" {
  description = "Kubernetes namespace of the release (created if missing)."
  type        = string
  default     = "berth"
}

variable "release_name" {
  description = "Helm release name."
  type        = string
  default     = "berth"
}

variable "service_account_name" {
  description = "Name of the pods' service account; the IAM role trusts exactly this account in this namespace."
  type        = string
  default     = "berth"
}

variable "image_repository" {
  description = "Repository of the Berth image, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/berth."
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

variable "min_replicas" {
  description = "Lower bound of the pod autoscaler."
  type        = number
  default     = 2
}

variable "max_replicas" {
  description = "Upper bound of the pod autoscaler."
  type        = number
  default     = 10
}

variable "helm_values" {
  description = "Further values files (YAML strings) for the chart, applied last: Ingress, resources, ServiceMonitor, NetworkPolicy."
  type        = list(string)
  default     = []
}
