output "bucket_name" {
  description = "S3 bucket holding the blobs."
  value       = aws_s3_bucket.blobs.id
}

output "pod_role_arn" {
  description = "IAM role assumed by the pods through IRSA."
  value       = aws_iam_role.pods.arn
}

output "postgres_endpoint" {
  description = "RDS endpoint (host:port)."
  value       = aws_db_instance.berth.endpoint
}

output "postgres_secret_arn" {
  description = "Secrets Manager secret with the database credentials and URL."
  value       = aws_secretsmanager_secret.db.arn
}

output "redis_endpoint" {
  description = "ElastiCache primary endpoint."
  value       = aws_elasticache_replication_group.berth.primary_endpoint_address
}

output "redis_secret_arn" {
  description = "Secrets Manager secret with the Redis AUTH token and URL."
  value       = aws_secretsmanager_secret.redis.arn
}

output "release" {
  description = "Namespace and name of the Helm release."
  value       = "${helm_release.berth.namespace}/${helm_release.berth.name}"
}
