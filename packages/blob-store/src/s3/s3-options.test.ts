import { MAX_PART_SIZE, MIN_PART_SIZE } from './s3-limits';
import { s3OptionsSchema } from './s3-options';

const MiB = 1024 * 1024;

function problems(options: unknown): string[] {
  const result = s3OptionsSchema.safeParse(options);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('S3 options', () => {
  it('fill in their defaults', () => {
    expect(s3OptionsSchema.parse({ bucket: 'b' })).toEqual({
      bucket: 'b',
      region: 'us-east-1',
      forcePathStyle: false,
      partSize: 8 * MiB,
      connectTimeoutSeconds: 5,
      requestTimeoutSeconds: 30,
    });
  });

  it('take values spelt as environment variables spell them', () => {
    expect(s3OptionsSchema.parse({ bucket: 'b', forcePathStyle: 'on', partSize: '16777216' })).toMatchObject({
      forcePathStyle: true,
      partSize: 16 * MiB,
    });
  });

  it.each([MIN_PART_SIZE, MAX_PART_SIZE])('take a part size of %i bytes', (partSize) => {
    expect(problems({ bucket: 'b', partSize })).toEqual([]);
  });

  it.each([
    [MIN_PART_SIZE - 1, /at least 5242880 bytes/],
    [MAX_PART_SIZE + 1, /at most 1073741824 bytes/],
    [2 * 1024 * MiB, /at most 1073741824 bytes/],
    [MIN_PART_SIZE + 0.5, /expected int/],
  ])('refuse a part size of %i bytes', (partSize, message) => {
    expect(problems({ bucket: 'b', partSize })).toEqual([expect.stringMatching(message)]);
  });

  it('need a bucket, and positive deadlines', () => {
    expect(problems({})).toEqual([expect.stringMatching(/^bucket: /)]);
    expect(problems({ bucket: 'b', connectTimeoutSeconds: 0, requestTimeoutSeconds: -1 })).toHaveLength(2);
  });

  it('refuse an option they do not have', () => {
    expect(problems({ bucket: 'b', partSzie: MIN_PART_SIZE })).toEqual([
      expect.stringContaining('Unrecognized key: "partSzie"'),
    ]);
  });

  it('take both static keys or neither', () => {
    expect(problems({ bucket: 'b', accessKeyId: 'id', secretAccessKey: 'secret' })).toEqual([]);
    expect(problems({ bucket: 'b', accessKeyId: 'id' })).toEqual([
      'secretAccessKey: required with accessKeyId: the keys go together',
    ]);
    expect(problems({ bucket: 'b', secretAccessKey: 'secret' })).toEqual([
      'accessKeyId: required with secretAccessKey: the keys go together',
    ]);
  });

  it('take an endpoint only as a URL', () => {
    expect(problems({ bucket: 'b', endpoint: 'http://127.0.0.1:9000' })).toEqual([]);
    expect(problems({ bucket: 'b', endpoint: 'not a url' })).toHaveLength(1);
  });
});
