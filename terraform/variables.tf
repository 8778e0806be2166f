# --- Placement ---------------------------------------------------------------------------------

variable "region" {
  description = "AWS region of the EKS cluster and of everything this module creates."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.region))
    error_message = "The region must be an AWS region name such as eu-west-1."
  }
}

variable "name" {
  description = "Name of this deployment, used in the names of the AWS resources."
  type        = string
  default     = "berth"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.name))
    error_message = "The name must be 1-31 lowercase letters, digits or hyphens, starting with a letter (ElastiCache IDs are short)."
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

  validation {
    condition     = length(var.cluster_name) > 0
    error_message = "The cluster_name must name the EKS cluster."
  }
}

variable "node_security_group_id" {
  description = "Security group of the cluster's worker nodes, the only source allowed to reach PostgreSQL and Redis. For managed node groups without a launch template this is the EKS cluster security group."
  type        = string

  validation {
    condition     = can(regex("^sg-[0-9a-f]+$", var.node_security_group_id))
    error_message = "The node_security_group_id must be a security group ID (sg-...)."
  }
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

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "The kms_key_arn must be null or the ARN of a KMS key."
  }
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

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "The bucket_name must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots or hyphens."
  }
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
    condition     = var.abort_incomplete_multipart_upload_days >= 1 && floor(var.abort_incomplete_multipart_upload_days) == var.abort_incomplete_multipart_upload_days
    error_message = "The abort_incomplete_multipart_upload_days must be a whole number of days, at least 1."
  }
}

variable "staging_expiration_days" {
  description = "Days after which objects under staging/ (the small trailing pieces of unfinished uploads) expire. Must exceed the upload session TTL."
  type        = number
  default     = 7

  validation {
    condition     = var.staging_expiration_days >= 1 && floor(var.staging_expiration_days) == var.staging_expiration_days
    error_message = "The staging_expiration_days must be a whole number of days, at least 1."
  }
}

# --- PostgreSQL --------------------------------------------------------------------------------

variable "db_engine_version" {
  description = "PostgreSQL major version (minor versions are upgraded automatically)."
  type        = string
  default     = "16"

  validation {
    condition     = can(regex("^[0-9]+(\\.[0-9]+)?$", var.db_engine_version))
    error_message = "The db_engine_version must be a PostgreSQL version such as 16 or 16.4."
  }
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

  validation {
    condition     = var.db_allocated_storage >= 20 && var.db_allocated_storage <= 65536
    error_message = "RDS gp3 storage must be between 20 and 65536 GiB."
  }
}

variable "db_max_allocated_storage" {
  description = "Upper bound in GiB for storage autoscaling."
  type        = number
  default     = 100

  validation {
    condition     = var.db_max_allocated_storage >= 20 && var.db_max_allocated_storage <= 65536
    error_message = "RDS gp3 storage must be between 20 and 65536 GiB."
  }
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

  validation {
    condition     = var.db_backup_retention_days >= 0 && var.db_backup_retention_days <= 35 && floor(var.db_backup_retention_days) == var.db_backup_retention_days
    error_message = "RDS keeps automated backups for 0 to 35 whole days."
  }
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

  validation {
    condition     = var.db_pool_size >= 1 && floor(var.db_pool_size) == var.db_pool_size
    error_message = "The db_pool_size must be a whole number of connections, at least 1."
  }
}

variable "rds_ca_bundle_url" {
  description = "PEM bundle of the RDS certificate authorities, trusted by the pods so that sslmode=verify-full can verify the database."
  type        = string
  default     = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"

  validation {
    condition     = startswith(var.rds_ca_bundle_url, "https://")
    error_message = "The rds_ca_bundle_url must be an https URL: the bundle decides which database certificates are trusted."
  }
}

variable "secret_recovery_window_days" {
  description = "Days Secrets Manager keeps a deleted secret recoverable (0 deletes at once)."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "Secrets Manager accepts a recovery window of 0 or 7 to 30 days."
  }
}

# --- Redis -------------------------------------------------------------------------------------

variable "redis_engine_version" {
  description = "ElastiCache Redis OSS version (major.minor)."
  type        = string
  default     = "7.1"

  validation {
    condition     = can(regex("^7\\.[0-9]+$", var.redis_engine_version))
    error_message = "The parameter group is of the redis7 family, so redis_engine_version must be 7.x."
  }
}

variable "redis_node_type" {
  description = "ElastiCache node type. Berth keeps only upload sessions, locks and small caches there."
  type        = string
  default     = "cache.t4g.small"

  validation {
    condition     = startswith(var.redis_node_type, "cache.")
    error_message = "The redis_node_type must be an ElastiCache node type (cache.*)."
  }
}

variable "redis_num_cache_clusters" {
  description = "Nodes in the replication group: 1 for a single node, 2 or more for a replica with automatic failover."
  type        = number
  default     = 2

  validation {
    condition     = var.redis_num_cache_clusters >= 1 && var.redis_num_cache_clusters <= 6
    error_message = "The redis_num_cache_clusters must be between 1 and 6."
  }
}

# --- Helm release ------------------------------------------------------------------------------

variable "namespace" {
  description = "Kubernetes namespace of the release (created if missing)."
  type        = string
  default     = "berth"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.namespace)) && length(var.namespace) <= 63
    error_message = "The namespace must be a DNS label: at most 63 lowercase letters, digits or hyphens."
  }
}

variable "release_name" {
  description = "Helm release name."
  type        = string
  default     = "berth"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.release_name)) && length(var.release_name) <= 53
    error_message = "The release_name must be a DNS label of at most 53 characters, as Helm requires."
  }
}

variable "service_account_name" {
  description = "Name of the pods' service account; the IAM role trusts exactly this account in this namespace."
  type        = string
  default     = "berth"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.service_account_name)) && length(var.service_account_name) <= 63
    error_message = "The service_account_name must be a DNS label: at most 63 lowercase letters, digits or hyphens."
  }
}

variable "image_repository" {
  description = "Repository of the Berth image, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/berth."
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

variable "min_replicas" {
  description = "Lower bound of the pod autoscaler."
  type        = number
  default     = 2

  validation {
    condition     = var.min_replicas >= 1 && floor(var.min_replicas) == var.min_replicas
    error_message = "The min_replicas must be a whole number, at least 1."
  }
}

variable "max_replicas" {
  description = "Upper bound of the pod autoscaler."
  type        = number
  default     = 10

  validation {
    condition     = var.max_replicas >= 1 && floor(var.max_replicas) == var.max_replicas
    error_message = "The max_replicas must be a whole number, at least 1."
  }
}

variable "helm_values" {
  description = "Further values files (YAML strings) for the chart, applied last: Ingress, resources, ServiceMonitor, NetworkPolicy."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for document in var.helm_values : can(keys(yamldecode(document)))])
    error_message = "Each element of helm_values must be a YAML mapping of chart values."
  }
}
