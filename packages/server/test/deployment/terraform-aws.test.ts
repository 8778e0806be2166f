import { chartValues } from './support/chart';
import { releaseValues } from './support/helm-release';
import { blocks, loadModule, locals, nested, soleReference, type TerraformModule } from './support/terraform';
import { valueAt, type Tree } from './support/tree';

const DAY = 86_400;

/** The one block of a resource type, with its name; the module is meant to make exactly one. */
function only(module: TerraformModule, ...kind: string[]): [string, Tree] {
  const found = [...blocks(module, ...kind)];
  expect(found.map(([name]) => name)).toHaveLength(1);
  return found[0] as [string, Tree];
}

describe('the AWS module (terraform/)', () => {
  let module: TerraformModule;
  let bucket: string;
  /** Resources attached to the blob bucket, of one type. */
  const onBucket = (type: string) =>
    [...blocks(module, 'resource', type).values()].filter(
      (block) => block.bucket === `\${aws_s3_bucket.${bucket}.id}`,
    );
  const variableDefault = (reference: unknown) =>
    blocks(module, 'variable').get(soleReference(reference)?.replace(/^var\./, '') ?? '')?.default;

  beforeAll(async () => {
    module = await loadModule('terraform');
    [bucket] = only(module, 'resource', 'aws_s3_bucket');
  });

  it('encrypts the blob bucket', () => {
    const rules = onBucket('aws_s3_bucket_server_side_encryption_configuration').flatMap((c) =>
      nested(c, 'rule'),
    );
    const algorithms = rules.flatMap((rule) => nested(rule, 'apply_server_side_encryption_by_default'));
    expect(algorithms).toEqual([expect.objectContaining({ sse_algorithm: expect.any(String) })]);
  });

  it('blocks every kind of public access to the blob bucket', () => {
    expect(onBucket('aws_s3_bucket_public_access_block')).toEqual([
      expect.objectContaining({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      }),
    ]);
  });

  it('aborts incomplete multipart uploads bucket-wide, later than an upload session can last', () => {
    const rules = onBucket('aws_s3_bucket_lifecycle_configuration')
      .flatMap((configuration) => nested(configuration, 'rule'))
      .filter(
        (rule) => rule.status === 'Enabled' && nested(rule, 'abort_incomplete_multipart_upload').length > 0,
      );
    expect(rules).toHaveLength(1);
    const rule = rules[0] as Tree;
    expect(nested(rule, 'filter').filter((filter) => Object.keys(filter).length > 0)).toEqual([]);
    // S3 would otherwise abort an upload that Berth still considers open.
    const days = variableDefault(nested(rule, 'abort_incomplete_multipart_upload')[0]?.days_after_initiation);
    const sessionTtl = valueAt(chartValues(), ['config', 'uploads', 'sessionTtlSeconds']);
    expect(Number(days) * DAY).toBeGreaterThan(Number(sessionTtl));
  });

  it('runs PostgreSQL on RDS, encrypted and private', () => {
    const [, database] = only(module, 'resource', 'aws_db_instance');
    expect(database).toMatchObject({
      engine: 'postgres',
      storage_encrypted: true,
      publicly_accessible: false,
    });
  });

  it('runs Redis on ElastiCache with TLS, and hands Berth a rediss:// URL', () => {
    const [, redis] = only(module, 'resource', 'aws_elasticache_replication_group');
    expect(redis).toMatchObject({ transit_encryption_enabled: true, at_rest_encryption_enabled: true });
    expect(locals(module).redis_url).toMatch(/^rediss:\/\//);
  });

  it("gives the pods an IAM role (IRSA) trusted by exactly the release's service account", () => {
    const [roleName, role] = only(module, 'resource', 'aws_iam_role');
    const trust = /^data\.aws_iam_policy_document\.([\w-]+)\.json$/.exec(
      soleReference(role.assume_role_policy) ?? '',
    );
    const policy = blocks(module, 'data', 'aws_iam_policy_document').get(trust?.[1] ?? '');
    const statements = nested(policy, 'statement');
    expect(statements).toEqual([expect.objectContaining({ actions: ['sts:AssumeRoleWithWebIdentity'] })]);
    const subjects = nested(statements[0], 'condition').filter((c) => String(c.variable).endsWith(':sub'));
    expect(subjects.map((c) => c.values)).toEqual([
      ['system:serviceaccount:${var.namespace}:${var.service_account_name}'],
    ]);

    const [release] = releaseValues(module);
    const [, helmRelease] = only(module, 'resource', 'helm_release');
    expect(helmRelease.namespace).toBe('${var.namespace}');
    expect(release?.documents[0]?.serviceAccount).toEqual({
      create: true,
      name: '${var.service_account_name}',
      annotations: { 'eks.amazonaws.com/role-arn': `\${aws_iam_role.${roleName}.arn}` },
    });
  });
});
