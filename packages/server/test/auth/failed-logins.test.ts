import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { createLogger } from '../../src/logger';
import { errorCodeOf } from '../support/oci-client';
import {
  AdminClient,
  authOverrides,
  basic,
  ecKeyPair,
  freshLoopbackAddress,
  requestFrom,
  SERVICE,
} from '../support/access-setup';
import { FLAVORS, startTestRegistry, type TestRegistry } from '../support/test-registry';

const signing = ecKeyPair();
// Three failures spend the budget; a token comes back every two seconds, long enough that the
// failures themselves (a memory-hard hash each) cannot earn one back before the next attempt.
const FAILED_LOGINS = { perSecond: 0.5, burst: 3 };
const CAROL = { username: 'carol', password: 'carol-password-1' };
const WRONG_PASSWORDS = ['guess-number-one', 'guess-number-two', 'guess-number-three'];
const LATE_GUESS = 'guess-number-four';

/**
 * The registry's own logger (level and redaction as `berth serve` has them), writing into memory.
 * At info it logs every request, so a header that escaped redaction would show up here.
 */
function capturedLogger(): { logger: Logger; output: () => string } {
  const chunks: string[] = [];
  const memory = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger({ log: { level: 'info' } }, memory), output: () => chunks.join('') };
}

interface LogLine {
  level: number;
  msg: string;
  account?: string;
  source?: string;
  reason?: string;
}

const WARN = 40;

describe.each(FLAVORS)('failed logins [%s]', (flavor) => {
  const log = capturedLogger();
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry(
      flavor,
      authOverrides(signing.privatePem, { failedLogins: FAILED_LOGINS }),
      log.logger,
    );
    await new AdminClient(registry.url).createUser(CAROL.username, CAROL.password);
  }, 120_000);
  afterAll(async () => {
    await registry?.stop();
  }, 60_000);

  /** Carol's password sent from an address, by each way the registry accepts one. */
  const loginAt =
    (path: string) =>
    (address: string, password: string): Promise<Response> =>
      requestFrom(address, new URL(path, registry.url).toString(), {
        headers: { Authorization: basic(CAROL.username, password) },
      });
  const ways = {
    token: loginAt(`/auth/token?service=${SERVICE}`),
    api: loginAt('/v2/'),
    admin: loginAt(`/admin/v1/users/${CAROL.username}`),
  };

  /** Fails once by each way, which spends the address's budget of three. */
  const spendBudget = async (address: string) => {
    const attempts = [ways.token, ways.api, ways.admin];
    for (const [i, password] of WRONG_PASSWORDS.entries()) {
      const res = await attempts[i]!(address, password);
      expect([password, res.status]).toEqual([password, 401]);
    }
  };

  it('refuses every login from an address after three failures, the right password too, until a token refills', async () => {
    const address = freshLoopbackAddress();
    await spendBudget(address);
    for (const way of Object.values(ways)) {
      const refused = await way(address, CAROL.password);
      expect(refused.status).toBe(429);
      expect(await errorCodeOf(refused)).toBe('TOOMANYREQUESTS');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // The budget is the address's, not the account's: carol logs in from elsewhere meanwhile.
    expect((await ways.token(freshLoopbackAddress(), CAROL.password)).status).toBe(200);

    const retryAfter = Number((await ways.token(address, CAROL.password)).headers.get('retry-after'));
    expect(retryAfter).toBe(1 / FAILED_LOGINS.perSecond);
    await sleep(retryAfter * 1000 + 100);
    expect((await ways.token(address, CAROL.password)).status).toBe(200);
    // One token came back, and a success does not add to it: the next failure spends it again.
    expect((await ways.token(address, LATE_GUESS)).status).toBe(401);
    expect((await ways.token(address, CAROL.password)).status).toBe(429);
  });

  it('logs each refusal at warn with account and source, and never a password or the Authorization header', async () => {
    const address = freshLoopbackAddress();
    await spendBudget(address);
    expect((await ways.admin(address, CAROL.password)).status).toBe(429);
    const output = log.output();
    const refusals = output
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LogLine)
      .filter((line) => line.msg === 'login refused' && line.source === address);
    const refusal = (reason: string) =>
      expect.objectContaining({ level: WARN, account: CAROL.username, source: address, reason });
    expect(refusals).toEqual([
      ...WRONG_PASSWORDS.map(() => refusal('wrong password')),
      refusal('too many failed logins'),
    ]);
    // The request log is on (level info), so headers would show up here if they were not redacted.
    expect(output).toContain('"url":"/v2/"');
    for (const password of [...WRONG_PASSWORDS, LATE_GUESS, CAROL.password]) {
      expect([password, output.includes(password)]).toEqual([password, false]);
      const credentials = basic(CAROL.username, password).slice('Basic '.length);
      expect([credentials, output.includes(credentials)]).toEqual([credentials, false]);
    }
  });
});
