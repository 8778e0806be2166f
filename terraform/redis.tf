# ElastiCache AUTH tokens allow only some symbols; alphanumeric also keeps the rediss:// URL valid.
resource "random_password" "redis" {
  length  = 64
  special = false
}

resource "aws_elasticache_subnet_group" "berth" {
  name       = var.name
  subnet_ids = var.private_subnet_ids
}

resource "aws_security_group" "redis" {
  name_prefix = "${var.name}-redis-"
  description = "Redis for Berth, reachable from the EKS nodes only"
  vpc_id      = local.vpc_id

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "redis_from_nodes" {
  security_group_id            = aws_security_group.redis.id
  description                  = "Redis from the EKS nodes"
  referenced_security_group_id = var.node_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
}

# Locks and upload sessions carry TTLs; the default volatile-lru policy could evict them early under
# memory pressure and break mutual exclusion, so Redis refuses writes instead.
resource "aws_elasticache_parameter_group" "berth" {
  name   = "${var.name}-redis7"
  family = "redis7"

  parameter {
    name  = "maxmemory-policy"
    value = "noeviction"
  }
}

resource "aws_elasticache_replication_group" "berth" {
  replication_group_id = var.name
  description          = "Berth coordination: upload sessions, locks, caches"
  engine               = "redis"
  engine_version       = var.redis_engine_version
  node_type            = var.redis_node_type
  port                 = 6379
  parameter_group_name = aws_elasticache_parameter_group.berth.name

  num_cache_clusters         = var.redis_num_cache_clusters
  automatic_failover_enabled = var.redis_num_cache_clusters > 1
  multi_az_enabled           = var.redis_num_cache_clusters > 1

  subnet_group_name  = aws_elasticache_subnet_group.berth.name
  security_group_ids = [aws_security_group.redis.id]

  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  transit_encryption_enabled = true
  auth_token                 = random_password.redis.result

  # Nothing in Redis outlives an upload session; snapshots would only cost.
  snapshot_retention_limit = 0
}

locals {
  redis_url = "rediss://:${random_password.redis.result}@${aws_elasticache_replication_group.berth.primary_endpoint_address}:${aws_elasticache_replication_group.berth.port}"
}

resource "aws_secretsmanager_secret" "redis" {
  name_prefix             = "${var.name}/redis-"
  description             = "Berth Redis AUTH token"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days
}

resource "aws_secretsmanager_secret_version" "redis" {
  secret_id = aws_secretsmanager_secret.redis.id
  secret_string = jsonencode({
    host       = aws_elasticache_replication_group.berth.primary_endpoint_address
    port       = aws_elasticache_replication_group.berth.port
    auth_token = random_password.redis.result
    url        = local.redis_url
  })
}
