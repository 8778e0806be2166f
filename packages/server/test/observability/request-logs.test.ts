import { createLogger } from '../../src/logger';
import { AdminClient, ADMIN, authOverrides, basic, ecKeyPair, SERVICE } from '../support/access-setup';
import { FLAVORS, startTestRegistry, type TestRegistry } from '../support/test-registry';

const signing = ecKeyPair();
const DAVE = { username: 'dave', password: 'dave-password-1' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type LogLine = Record<string, unknown> & { msg?: string; reqId?: string };

/** Keeps every line a logger writes. */
class CapturedLog {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  parsedFrom(index: number): LogLine[] {
    return this.lines.slice(index).map((line) => JSON.parse(line) as LogLine);
  }
}

describe.each(FLAVORS)('request logs [%s]', (flavor) => {
  const log = new CapturedLog();
  let registry: TestRegistry;
  const url = (path: string) => new URL(path, registry.url);

  /**
   * Sends a request and returns its response and body with the lines logged for it, once its
   * completion line is written (just after the response, possibly after the client has it).
   */
  async function logged(
    path: string,
    init: RequestInit = {},
  ): Promise<{ res: Response; body: string; lines: LogLine[] }> {
    const from = log.lines.length;
    const res = await fetch(url(path), init);
    const body = await res.text();
    const reqId = res.headers.get('x-request-id');
    for (let waited = 0; waited < 2_000; waited += 10) {
      if (log.parsedFrom(from).some((line) => line.reqId === reqId && line.responseTime !== undefined)) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return { res, body, lines: log.parsedFrom(from) };
  }

  beforeAll(async () => {
    registry = await startTestRegistry(
      flavor,
      authOverrides(signing.privatePem),
      createLogger({ log: { level: 'info' } }, log),
    );
  }, 120_000);
  afterAll(async () => {
    await registry?.stop();
  }, 60_000);

  it('gives every line logged for a request the id it answers with', async () => {
    const { res, lines } = await logged('/v2/', {
      headers: { Authorization: basic(ADMIN.username, 'not-the-password') },
    });
    expect(res.status).toBe(401);
    const reqId = res.headers.get('x-request-id');
    expect(reqId).toMatch(UUID);
    // The authenticator's warning and the request's own line.
    expect(lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['login refused', 'request completed']),
    );
    expect(lines.map((line) => line.reqId)).toEqual(lines.map(() => reqId));
  });

  it('answers every response with its request id, a new one for each request', async () => {
    const answers = await Promise.all(
      ['/v2/', '/v2/no/such/endpoint', '/healthz', '/auth/token?service=other'].map((path) =>
        fetch(url(path)),
      ),
    );
    expect(answers.map((res) => res.status)).toEqual([401, 404, 200, 401]);
    const ids = answers.map((res) => res.headers.get('x-request-id'));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps an acceptable X-Request-Id from the client and replaces any other', async () => {
    const given = 'edge-7f3a.b_9';
    const kept = await logged('/v2/', { headers: { 'X-Request-Id': given } });
    expect(kept.res.headers.get('x-request-id')).toBe(given);
    expect(kept.lines.length).toBeGreaterThan(0);
    expect(kept.lines.every((line) => line.reqId === given)).toBe(true);

    for (const bad of ['two words', 'a'.repeat(129), 'line"break{}', '']) {
      const replaced = await logged('/v2/', { headers: { 'X-Request-Id': bad } });
      const reqId = replaced.res.headers.get('x-request-id');
      expect(reqId).toMatch(UUID);
      expect(replaced.lines.length).toBeGreaterThan(0);
      expect(replaced.lines.every((line) => line.reqId === reqId)).toBe(true);
    }
  });

  it('never logs credentials, tokens or passwords', async () => {
    const from = log.lines.length;
    const admin = new AdminClient(registry.url);
    await admin.createUser(DAVE.username, DAVE.password);
    // A body the admin API cannot parse, holding a password.
    const unparsable = await admin.send('POST', '/users', `{"name":"erin","password":"erin-password-1"`);
    expect(unparsable.status).toBe(400);

    const form = (fields: Record<string, string>) =>
      logged('/auth/token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ service: SERVICE, ...fields }).toString(),
      });
    const granted = await form({
      grant_type: 'password',
      username: DAVE.username,
      password: DAVE.password,
      access_type: 'offline',
    });
    expect(granted.res.status).toBe(200);
    const tokens = JSON.parse(granted.body) as { access_token: string; refresh_token: string };
    const { access_token: token, refresh_token: refreshToken } = tokens;
    const refreshed = await form({ grant_type: 'refresh_token', refresh_token: refreshToken });
    expect(refreshed.res.status).toBe(200);
    expect(
      (await form({ grant_type: 'password', username: DAVE.username, password: 'wrong-pass-1' })).res.status,
    ).toBe(401);
    // A careless client putting secrets in the token endpoint's query.
    const query = new URLSearchParams({
      service: SERVICE,
      password: DAVE.password,
      refresh_token: refreshToken,
    });
    await logged(`/auth/token?${query.toString()}`, {
      headers: { Authorization: basic(DAVE.username, DAVE.password) },
    });
    await logged('/v2/', { headers: { Authorization: `Bearer ${token}` } });
    await logged('/v2/', {
      headers: { Authorization: basic(DAVE.username, DAVE.password), Cookie: 'session=s3cr3t' },
    });

    const written = log.lines.slice(from).join('');
    expect(written).toContain('login refused');
    expect(written).toContain('<redacted>');
    for (const secret of [
      DAVE.password,
      ADMIN.password,
      'erin-password-1',
      'wrong-pass-1',
      token,
      refreshToken,
      basic(DAVE.username, DAVE.password).slice('Basic '.length),
      basic(ADMIN.username, ADMIN.password).slice('Basic '.length),
      's3cr3t',
    ]) {
      expect(written).not.toContain(secret);
    }
  });

  it('logs the few headers that tell a request apart, not all of them', async () => {
    const { res, lines } = await logged('/v2/', {
      headers: {
        'User-Agent': 'containerd/1.7.24',
        // As long as a real client's: every manifest type it knows, with weights.
        Accept: Array.from({ length: 12 }, (_, i) => `application/vnd.example.type-${i}+json;q=0.${i}`).join(
          ', ',
        ),
        'X-Forwarded-For': '203.0.113.7',
        'X-Amzn-Trace-Id': `Root=1-${'0'.repeat(32)}`,
        'Accept-Language': 'en-GB,en;q=0.9',
      },
    });
    const line = lines.find(
      (logged) => logged.reqId === res.headers.get('x-request-id') && logged.responseTime !== undefined,
    );
    const { req, res: answer } = line as {
      req: { headers: Record<string, string> };
      res: { headers: Record<string, string> };
    };
    expect(Object.keys(req.headers).sort()).toEqual(['host', 'user-agent', 'x-forwarded-for']);
    expect(req.headers['user-agent']).toBe('containerd/1.7.24');
    expect(Object.keys(answer.headers).sort()).toEqual(['content-length', 'content-type']);
    expect(JSON.stringify(line).length).toBeLessThan(450);
  });
});
