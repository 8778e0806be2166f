import { createHash } from 'node:crypto';
import type { Coordinator, TokenBucketLimit } from '@berth/coordinator/port';
import type { AccessStore } from '@berth/metadata-store/port';
import { AuthenticationError, TooManyRequestsError } from '../errors/access-errors';
import { isRobotUsable } from './access-policy';
import { ROBOT_SEPARATOR, type Identity } from './identity';
import { verifyAgainstDummy, verifySecret } from './passwords';

/** Told of every refused login, for the log; never given the password. */
export type FailedLoginObserver = (event: { account: string; source: string; reason: string }) => void;

/** Told whether each lookup in a cache found what it looked for. */
export type CacheObserver = (result: 'hit' | 'miss') => void;

export interface AuthenticatorOptions {
  access: AccessStore;
  coordinator: Coordinator;
  /** Failed logins per client address: the bucket every failure takes a token from. */
  failedLogins: TokenBucketLimit;
  onFailedLogin?: FailedLoginObserver;
  /** Told of every lookup in the cache of credentials verified recently. */
  onVerifiedCacheLookup?: CacheObserver;
}

// Clients that send Basic credentials on every request would otherwise pay a memory-hard hash
// each time. Keys include the stored hash, so a changed password or secret misses at once.
const VERIFIED_CACHE_SIZE = 1_000;

/** Checks a username and password (or robot secret) and says who they belong to. */
export class Authenticator {
  readonly #options: AuthenticatorOptions;
  readonly #verified = new Set<string>();

  constructor(options: AuthenticatorOptions) {
    this.#options = options;
  }

  /**
   * The identity the credentials prove. A client address with too many recent failures is
   * refused before its password is even looked at, which makes guessing slow.
   */
  async login(account: string, secret: string, source: string): Promise<Identity> {
    const { coordinator, failedLogins } = this.#options;
    const bucket = `failed-logins:${source}`;
    const budget = await coordinator.takeTokens(bucket, failedLogins, 0);
    if (budget.remaining < 1) {
      this.#options.onFailedLogin?.({ account, source, reason: 'too many failed logins' });
      throw new TooManyRequestsError(
        'too many failed logins; try again later',
        retryAfterOneToken(failedLogins),
      );
    }
    const result = await this.#check(account, secret);
    if (typeof result !== 'string') return result;
    await coordinator.takeTokens(bucket, failedLogins, 1);
    this.#options.onFailedLogin?.({ account, source, reason: result });
    throw new AuthenticationError('invalid username or password');
  }

  /** The identity, or why the credentials were refused. */
  async #check(account: string, secret: string): Promise<Identity | string> {
    const { access } = this.#options;
    const separator = account.indexOf(ROBOT_SEPARATOR);
    if (separator > 0) {
      const robot = await access.findRobot(account.slice(0, separator), account.slice(separator + 1));
      if (!robot) return this.#refuse(secret, 'unknown account');
      if (!(await this.#verify(secret, robot.secretHash))) return 'wrong secret';
      if (!isRobotUsable(robot)) return robot.revokedAt ? 'robot revoked' : 'robot expired';
      return { kind: 'robot', namespace: robot.namespace, name: robot.name, actions: robot.actions };
    }
    const user = await access.findUser(account);
    if (!user) return this.#refuse(secret, 'unknown account');
    if (!(await this.#verify(secret, user.passwordHash))) return 'wrong password';
    return { kind: 'user', name: user.name, globalAdmin: user.globalAdmin };
  }

  /** Spends the time a real check would, so unknown names cannot be told apart by timing. */
  async #refuse(secret: string, reason: string): Promise<string> {
    await verifyAgainstDummy(secret);
    return reason;
  }

  async #verify(secret: string, hash: string): Promise<boolean> {
    const key = createHash('sha256').update(hash).update('\0').update(secret).digest('base64');
    const hit = this.#verified.has(key);
    this.#options.onVerifiedCacheLookup?.(hit ? 'hit' : 'miss');
    if (hit) return true;
    if (!(await verifySecret(secret, hash))) return false;
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) this.#verified.clear();
    this.#verified.add(key);
    return true;
  }
}

function retryAfterOneToken(limit: TokenBucketLimit): number {
  return Math.ceil(1000 / limit.refillPerSecond);
}
