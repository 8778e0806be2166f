# Alphanumeric only: the password is embedded in a connection URL, and RDS rejects some symbols.
resource "random_password" "db" {
  length  = 40
  special = false
}

resource "aws_db_subnet_group" "berth" {
  name       = var.name
  subnet_ids = var.private_subnet_ids
}

resource "aws_security_group" "db" {
  name_prefix = "${var.name}-postgres-"
  description = "PostgreSQL for Berth, reachable from the EKS nodes only"
  vpc_id      = local.vpc_id

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "db_from_nodes" {
  security_group_id            = aws_security_group.db.id
  description                  = "PostgreSQL from the EKS nodes"
  referenced_security_group_id = var.node_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_db_parameter_group" "berth" {
  name_prefix = "${var.name}-postgres-"
  family      = "postgres${split(".", var.db_engine_version)[0]}"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_instance" "berth" {
  identifier     = var.name
  engine         = "postgres"
  engine_version = var.db_engine_version
  instance_class = var.db_instance_class

  allocated_storage     = var.db_allocated_storage
  max_allocated_storage = var.db_max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  db_name  = "berth"
  username = "berth"
  password = random_password.db.result
  port     = 5432

  db_subnet_group_name   = aws_db_subnet_group.berth.name
  vpc_security_group_ids = [aws_security_group.db.id]
  parameter_group_name   = aws_db_parameter_group.berth.name
  publicly_accessible    = false
  multi_az               = var.db_multi_az

  backup_retention_period    = var.db_backup_retention_days
  copy_tags_to_snapshot      = true
  deletion_protection        = var.deletion_protection
  skip_final_snapshot        = var.db_skip_final_snapshot
  final_snapshot_identifier  = "${var.name}-final"
  auto_minor_version_upgrade = true
}

locals {
  postgres_url = "postgres://${aws_db_instance.berth.username}:${random_password.db.result}@${aws_db_instance.berth.address}:${aws_db_instance.berth.port}/${aws_db_instance.berth.db_name}?sslmode=verify-full"
}

# The source of truth for people and tools that need the database; the pods get the same URL through
# the chart's Secret.
resource "aws_secretsmanager_secret" "db" {
  name_prefix             = "${var.name}/postgres-"
  description             = "Berth PostgreSQL credentials"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days
}

resource "aws_secretsmanager_secret_version" "db" {
  secret_id = aws_secretsmanager_secret.db.id
  secret_string = jsonencode({
    engine   = "postgres"
    host     = aws_db_instance.berth.address
    port     = aws_db_instance.berth.port
    dbname   = aws_db_instance.berth.db_name
    username = aws_db_instance.berth.username
    password = random_password.db.result
    url      = local.postgres_url
  })
}
