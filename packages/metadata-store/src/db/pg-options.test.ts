import { postgresOptionsSchema } from './pg-options';

function problems(options: unknown): string[] {
  const result = postgresOptionsSchema.safeParse(options);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
}

describe('PostgreSQL options', () => {
  it('fill in the pool size and deadlines', () => {
    expect(postgresOptionsSchema.parse({ url: 'postgres://db/berth' })).toEqual({
      url: 'postgres://db/berth',
      poolSize: 10,
      connectTimeoutSeconds: 5,
      statementTimeoutSeconds: 10,
    });
  });

  it('take numbers spelt as environment variables spell them', () => {
    expect(postgresOptionsSchema.parse({ url: 'postgres://db', poolSize: '3' }).poolSize).toBe(3);
  });

  it('need a URL, a whole positive pool size and positive deadlines', () => {
    expect(problems({})).toEqual(['url']);
    expect(problems({ url: 'postgres://db', poolSize: 0 })).toEqual(['poolSize']);
    expect(problems({ url: 'postgres://db', poolSize: 2.5 })).toEqual(['poolSize']);
    expect(problems({ url: 'postgres://db', connectTimeoutSeconds: 0, statementTimeoutSeconds: -1 })).toEqual(
      ['connectTimeoutSeconds', 'statementTimeoutSeconds'],
    );
  });

  it('refuse an option they do not have, such as a deadline in milliseconds', () => {
    expect(problems({ url: 'postgres://db', statementTimeoutMs: 10_000 })).toEqual(['']);
  });
});
