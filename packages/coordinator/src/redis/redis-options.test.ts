import { redisOptionsSchema } from './redis-options';

function problems(options: unknown): string[] {
  const result = redisOptionsSchema.safeParse(options);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
}

describe('Redis options', () => {
  it('fill in the key prefix and deadlines', () => {
    expect(redisOptionsSchema.parse({ url: 'redis://cache:6379' })).toEqual({
      url: 'redis://cache:6379',
      keyPrefix: 'berth:',
      connectTimeoutSeconds: 3,
      commandTimeoutSeconds: 5,
    });
  });

  it('take an empty key prefix, and deadlines spelt as environment variables spell them', () => {
    expect(
      redisOptionsSchema.parse({ url: 'redis://r', keyPrefix: '', commandTimeoutSeconds: '0.5' }),
    ).toMatchObject({ keyPrefix: '', commandTimeoutSeconds: 0.5 });
  });

  it('need a URL and positive deadlines', () => {
    expect(problems({})).toEqual(['url']);
    expect(problems({ url: 'redis://r', connectTimeoutSeconds: 0, commandTimeoutSeconds: 'soon' })).toEqual([
      'connectTimeoutSeconds',
      'commandTimeoutSeconds',
    ]);
  });

  it('refuse a setting they do not have, such as a deadline in milliseconds', () => {
    expect(problems({ url: 'redis://r', commandTimeoutMs: 5_000 })).toEqual(['']);
  });
});
