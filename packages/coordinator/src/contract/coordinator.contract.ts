import { setTimeout as sleep } from 'node:timers/promises';
import type { Coordinator } from '../coordinator';
import { heard, listening } from './channel-contract';

/** A coordinator under test, and how to dispose of it; cleanup throws if the test left state behind. */
export interface CoordinatorFixture {
  coordinator: Coordinator;
  /**
   * A coordinator on the same backend, as another process of the deployment has; the in-process
   * adapter, which shares nothing between processes, answers its own. Closed by `cleanup`.
   */
  sibling(): Coordinator;
  cleanup(): Promise<void>;
}

const TTL_MS = 60_000;
// Long enough for a few calls to finish well within it, short enough to wait out.
const SHORT_TTL_MS = 300;
// Comfortably past SHORT_TTL_MS, so a busy machine does not make expiry tests flaky.
const PAST_SHORT_TTL_MS = 600;
const CONCURRENCY = 50;

// Refills too slowly to gain a token while a test runs, so token counts are exact.
const SLOW_REFILL = 0.001;
// A token every 200 ms: waits stay short, and a stalled caller rarely gains a whole token.
const FAST_REFILL = 5;
const TOKEN_MS = 1000 / FAST_REFILL;

const UNICODE = 'ünïcödé ✓ 漢字 👩‍👩‍👧 \u0000 "quoted" \\ {json}';
// 1.1 MB of UTF-8 (more than 1 MiB), mixing one-, two-, three- and four-byte characters.
const LARGE = 'aé漢😀'.repeat(110_000);

/**
 * The behaviour every Coordinator adapter must show. Each test gets a fresh adapter from
 * `makeCoordinator` and removes what it stored, so `cleanup` can fail a test that leaks state.
 * Token buckets cannot be removed, only left to refill, which may take long; so `cleanup`
 * discards them itself, failing only if one would never be forgotten.
 */
export function describeCoordinatorContract(
  name: string,
  makeCoordinator: () => Promise<CoordinatorFixture>,
): void {
  describe(`Coordinator contract: ${name}`, () => {
    let fixture: CoordinatorFixture;
    let coordinator: Coordinator;

    beforeEach(async () => {
      fixture = await makeCoordinator();
      coordinator = fixture.coordinator;
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    it('names its kind', () => {
      expect(coordinator.kind).toMatch(/^[a-z][a-z0-9-]*$/);
    });

    it('reports itself healthy', async () => {
      await expect(coordinator.checkHealth()).resolves.toBeUndefined();
    });

    it('can be closed more than once', async () => {
      await coordinator.close();
      await expect(coordinator.close()).resolves.toBeUndefined();
    });

    describe('channels', () => {
      it('delivers what is published to listeners in every process, in order', async () => {
        const sibling = fixture.sibling();
        const here = await listening(coordinator, 'events');
        const there = await listening(sibling, 'events');
        for (const message of ['one', UNICODE, 'three']) await sibling.publish('events', message);
        for (const { listener } of [here, there]) {
          await listener.until((events) => events.length === 4);
          expect(listener.events).toEqual(['resumed', 'message:one', `message:${UNICODE}`, 'message:three']);
        }
        await Promise.all([here.subscription.close(), there.subscription.close()]);
      });

      it('keeps channels apart', async () => {
        const events = await listening(coordinator, 'events');
        const other = await listening(coordinator, 'other');
        await coordinator.publish('other', 'for other');
        await coordinator.publish('events', 'for events');
        await events.listener.until(heard('message:for events'));
        await other.listener.until(heard('message:for other'));
        expect(events.listener.messages).toEqual(['for events']);
        expect(other.listener.messages).toEqual(['for other']);
        await Promise.all([events.subscription.close(), other.subscription.close()]);
      });

      it('stops delivering to a closed subscription only', async () => {
        const kept = await listening(coordinator, 'events');
        const closed = await listening(coordinator, 'events');
        await closed.subscription.close();
        await closed.subscription.close();
        await coordinator.publish('events', 'after');
        await kept.listener.until(heard('message:after'));
        // Delivery is in order, so had the closed one been sent 'after', it would have it by now.
        await coordinator.publish('events', 'fence');
        await kept.listener.until(heard('message:fence'));
        expect(closed.listener.messages).toEqual([]);
        await kept.subscription.close();
      });

      it('lets a channel be listened to again after its last listener left', async () => {
        const first = await listening(coordinator, 'events');
        await first.subscription.close();
        const second = await listening(coordinator, 'events');
        await coordinator.publish('events', 'again');
        await second.listener.until(heard('message:again'));
        await second.subscription.close();
      });

      it('publishes to a channel nobody listens to', async () => {
        await expect(coordinator.publish('nobody', 'lost')).resolves.toBeUndefined();
      });

      it('interrupts its listeners when closed', async () => {
        const { listener } = await listening(coordinator, 'events');
        await coordinator.close();
        expect(listener.events).toEqual(['resumed', 'interrupted']);
      });
    });

    describe('records', () => {
      it('returns undefined for a missing key', async () => {
        expect(await coordinator.get('missing')).toBeUndefined();
      });

      it('creates a record at version 1', async () => {
        expect(await coordinator.create('k', 'first', TTL_MS)).toBe(true);
        expect(await coordinator.get('k')).toEqual({ value: 'first', version: 1 });
        await coordinator.delete('k');
      });

      it('refuses to create a record that exists, leaving it unchanged', async () => {
        await coordinator.create('k', 'first', TTL_MS);
        expect(await coordinator.create('k', 'second', TTL_MS)).toBe(false);
        expect(await coordinator.get('k')).toEqual({ value: 'first', version: 1 });
        await coordinator.delete('k');
      });

      it('keeps keys apart', async () => {
        await coordinator.create('a', 'A', TTL_MS);
        await coordinator.create('b', 'B', TTL_MS);
        expect(await coordinator.get('a')).toEqual({ value: 'A', version: 1 });
        expect(await coordinator.get('b')).toEqual({ value: 'B', version: 1 });
        await coordinator.delete('a');
        await coordinator.delete('b');
      });

      it('compare-and-sets at the current version, bumping the version each time', async () => {
        await coordinator.create('k', 'v1', TTL_MS);
        expect(await coordinator.compareAndSet('k', 1, 'v2', TTL_MS)).toBe(2);
        expect(await coordinator.compareAndSet('k', 2, 'v3', TTL_MS)).toBe(3);
        expect(await coordinator.get('k')).toEqual({ value: 'v3', version: 3 });
        await coordinator.delete('k');
      });

      it('rejects a compare-and-set at a stale or future version, leaving the record unchanged', async () => {
        await coordinator.create('k', 'v1', TTL_MS);
        await coordinator.compareAndSet('k', 1, 'v2', TTL_MS);
        expect(await coordinator.compareAndSet('k', 1, 'stale', TTL_MS)).toBeUndefined();
        expect(await coordinator.compareAndSet('k', 3, 'future', TTL_MS)).toBeUndefined();
        expect(await coordinator.get('k')).toEqual({ value: 'v2', version: 2 });
        await coordinator.delete('k');
      });

      it('does not create a record by compare-and-set', async () => {
        expect(await coordinator.compareAndSet('missing', 0, 'x', TTL_MS)).toBeUndefined();
        expect(await coordinator.compareAndSet('missing', 1, 'x', TTL_MS)).toBeUndefined();
        expect(await coordinator.get('missing')).toBeUndefined();
      });

      it('sets unconditionally: version 1 when absent, bumped when present', async () => {
        await coordinator.set('k', 'one', TTL_MS);
        expect(await coordinator.get('k')).toEqual({ value: 'one', version: 1 });
        await coordinator.set('k', 'two', TTL_MS);
        expect(await coordinator.get('k')).toEqual({ value: 'two', version: 2 });
        expect(await coordinator.compareAndSet('k', 2, 'three', TTL_MS)).toBe(3);
        await coordinator.delete('k');
      });

      it('makes a set visible to a compare-and-set holding the version from before it', async () => {
        await coordinator.create('k', 'v1', TTL_MS);
        await coordinator.set('k', 'overwritten', TTL_MS);
        expect(await coordinator.compareAndSet('k', 1, 'lost update', TTL_MS)).toBeUndefined();
        expect(await coordinator.get('k')).toEqual({ value: 'overwritten', version: 2 });
        await coordinator.delete('k');
      });

      it('deletes a record once, after which it can be created again at version 1', async () => {
        await coordinator.create('k', 'v1', TTL_MS);
        await coordinator.compareAndSet('k', 1, 'v2', TTL_MS);
        expect(await coordinator.delete('k')).toBe(true);
        expect(await coordinator.delete('k')).toBe(false);
        expect(await coordinator.get('k')).toBeUndefined();
        expect(await coordinator.create('k', 'again', TTL_MS)).toBe(true);
        expect(await coordinator.get('k')).toEqual({ value: 'again', version: 1 });
        await coordinator.delete('k');
      });

      it('round-trips unicode, empty and 1 MiB values', async () => {
        await coordinator.create('unicode', UNICODE, TTL_MS);
        await coordinator.create('empty', '', TTL_MS);
        await coordinator.create('large', 'small', TTL_MS);
        await coordinator.compareAndSet('large', 1, LARGE, TTL_MS);
        await coordinator.set('key ✓ with spaces/and:separators', UNICODE, TTL_MS);
        expect(await coordinator.get('unicode')).toEqual({ value: UNICODE, version: 1 });
        expect(await coordinator.get('empty')).toEqual({ value: '', version: 1 });
        // Compared outside expect() so a mismatch does not print megabytes.
        expect((await coordinator.get('large'))?.value === LARGE).toBe(true);
        expect(await coordinator.get('key ✓ with spaces/and:separators')).toEqual({
          value: UNICODE,
          version: 1,
        });
        for (const key of ['unicode', 'empty', 'large', 'key ✓ with spaces/and:separators']) {
          expect(await coordinator.delete(key)).toBe(true);
        }
      });
    });

    describe('record expiry', () => {
      it('forgets a record after its time-to-live, so it can be created afresh', async () => {
        await coordinator.create('k', 'v1', SHORT_TTL_MS);
        await coordinator.compareAndSet('k', 1, 'v2', SHORT_TTL_MS);
        expect(await coordinator.get('k')).toEqual({ value: 'v2', version: 2 });
        await sleep(PAST_SHORT_TTL_MS);
        expect(await coordinator.get('k')).toBeUndefined();
        expect(await coordinator.compareAndSet('k', 2, 'too late', TTL_MS)).toBeUndefined();
        expect(await coordinator.delete('k')).toBe(false);
        expect(await coordinator.create('k', 'fresh', TTL_MS)).toBe(true);
        expect(await coordinator.get('k')).toEqual({ value: 'fresh', version: 1 });
        await coordinator.delete('k');
      });

      it('expires a value stored by set', async () => {
        await coordinator.set('k', 'cached', SHORT_TTL_MS);
        await sleep(PAST_SHORT_TTL_MS);
        expect(await coordinator.get('k')).toBeUndefined();
      });

      it('restarts the time-to-live on compare-and-set and on set', async () => {
        await coordinator.create('cas', 'v1', SHORT_TTL_MS);
        await coordinator.set('set', 'v1', SHORT_TTL_MS);
        await sleep(SHORT_TTL_MS / 2);
        await coordinator.compareAndSet('cas', 1, 'v2', TTL_MS);
        await coordinator.set('set', 'v2', TTL_MS);
        await sleep(SHORT_TTL_MS);
        expect(await coordinator.get('cas')).toEqual({ value: 'v2', version: 2 });
        expect(await coordinator.get('set')).toEqual({ value: 'v2', version: 2 });
        await coordinator.delete('cas');
        await coordinator.delete('set');
      });

      it('can also shorten the time-to-live', async () => {
        await coordinator.create('k', 'v1', TTL_MS);
        await coordinator.compareAndSet('k', 1, 'v2', SHORT_TTL_MS);
        await sleep(PAST_SHORT_TTL_MS);
        expect(await coordinator.get('k')).toBeUndefined();
      });
    });

    describe('locks', () => {
      it('is held by one holder at a time', async () => {
        const lock = await coordinator.acquireLock('l', TTL_MS);
        expect(lock).toEqual({ name: 'l', token: expect.any(String) });
        expect(await coordinator.acquireLock('l', TTL_MS)).toBeUndefined();
        expect(await coordinator.releaseLock(lock!)).toBe(true);
        const next = await coordinator.acquireLock('l', TTL_MS);
        expect(next).toBeDefined();
        expect(next!.token).not.toBe(lock!.token);
        await coordinator.releaseLock(next!);
      });

      it('keeps locks with different names apart', async () => {
        const a = await coordinator.acquireLock('a', TTL_MS);
        const b = await coordinator.acquireLock('b', TTL_MS);
        expect(a).toBeDefined();
        expect(b).toBeDefined();
        await coordinator.releaseLock(a!);
        await coordinator.releaseLock(b!);
      });

      it('keeps locks and records apart even under the same name', async () => {
        await coordinator.create('shared', 'record', TTL_MS);
        const lock = await coordinator.acquireLock('shared', TTL_MS);
        expect(lock).toBeDefined();
        expect(await coordinator.get('shared')).toEqual({ value: 'record', version: 1 });
        expect(await coordinator.delete('shared')).toBe(true);
        expect(await coordinator.releaseLock(lock!)).toBe(true);
      });

      it('releases only once', async () => {
        const lock = await coordinator.acquireLock('l', TTL_MS);
        expect(await coordinator.releaseLock(lock!)).toBe(true);
        expect(await coordinator.releaseLock(lock!)).toBe(false);
        expect(await coordinator.extendLock(lock!, TTL_MS)).toBe(false);
      });

      it('ignores extend and release with a wrong token', async () => {
        const lock = await coordinator.acquireLock('l', SHORT_TTL_MS);
        const forged = { name: 'l', token: 'not-the-token' };
        expect(await coordinator.extendLock(forged, TTL_MS)).toBe(false);
        expect(await coordinator.releaseLock(forged)).toBe(false);
        expect(await coordinator.acquireLock('l', TTL_MS)).toBeUndefined();
        // The forged extension did not apply: the lock still expires on its own schedule.
        await sleep(PAST_SHORT_TTL_MS);
        const next = await coordinator.acquireLock('l', TTL_MS);
        expect(next).toBeDefined();
        expect(await coordinator.releaseLock(lock!)).toBe(false);
        await coordinator.releaseLock(next!);
      });

      it('frees an unreleased lock after its time-to-live', async () => {
        const lock = await coordinator.acquireLock('l', SHORT_TTL_MS);
        await sleep(PAST_SHORT_TTL_MS);
        expect(await coordinator.extendLock(lock!, TTL_MS)).toBe(false);
        const next = await coordinator.acquireLock('l', TTL_MS);
        expect(next).toBeDefined();
        await coordinator.releaseLock(next!);
      });

      it('extends a held lock past its original time-to-live', async () => {
        const lock = await coordinator.acquireLock('l', SHORT_TTL_MS);
        await sleep(SHORT_TTL_MS / 2);
        expect(await coordinator.extendLock(lock!, TTL_MS)).toBe(true);
        await sleep(SHORT_TTL_MS);
        expect(await coordinator.acquireLock('l', TTL_MS)).toBeUndefined();
        expect(await coordinator.releaseLock(lock!)).toBe(true);
      });

      it('gives a stale handle no power over the next holder', async () => {
        const stale = await coordinator.acquireLock('l', SHORT_TTL_MS);
        await sleep(PAST_SHORT_TTL_MS);
        const current = await coordinator.acquireLock('l', TTL_MS);
        expect(current).toBeDefined();
        expect(await coordinator.extendLock(stale!, TTL_MS)).toBe(false);
        expect(await coordinator.releaseLock(stale!)).toBe(false);
        expect(await coordinator.acquireLock('l', TTL_MS)).toBeUndefined();
        expect(await coordinator.releaseLock(current!)).toBe(true);
      });
    });

    describe(`${CONCURRENCY} concurrent callers on one key`, () => {
      const range = Array.from({ length: CONCURRENCY }, (_, i) => i);

      it('let exactly one create win', async () => {
        const results = await Promise.all(range.map((i) => coordinator.create('k', `writer ${i}`, TTL_MS)));
        const winners = range.filter((i) => results[i]);
        expect(winners).toHaveLength(1);
        expect(await coordinator.get('k')).toEqual({ value: `writer ${winners[0]}`, version: 1 });
        await coordinator.delete('k');
      });

      it('let exactly one compare-and-set win', async () => {
        await coordinator.create('k', 'initial', TTL_MS);
        const results = await Promise.all(
          range.map((i) => coordinator.compareAndSet('k', 1, `writer ${i}`, TTL_MS)),
        );
        const winners = range.filter((i) => results[i] !== undefined);
        expect(winners).toHaveLength(1);
        expect(results[winners[0]!]).toBe(2);
        expect(await coordinator.get('k')).toEqual({ value: `writer ${winners[0]}`, version: 2 });
        await coordinator.delete('k');
      });

      it('let exactly one lock acquisition win', async () => {
        const locks = await Promise.all(range.map(() => coordinator.acquireLock('l', TTL_MS)));
        const held = locks.filter((lock) => lock !== undefined);
        expect(held).toHaveLength(1);
        expect(await coordinator.releaseLock(held[0]!)).toBe(true);
      });

      it('apply every set, each bumping the version', async () => {
        await Promise.all(range.map((i) => coordinator.set('k', `writer ${i}`, TTL_MS)));
        expect((await coordinator.get('k'))?.version).toBe(CONCURRENCY);
        await coordinator.delete('k');
      });
    });

    describe('token buckets', () => {
      const slow = (capacity: number) => ({ capacity, refillPerSecond: SLOW_REFILL });

      it('starts full', async () => {
        expect(await coordinator.takeTokens('b', slow(5), 0)).toEqual({
          allowed: true,
          remaining: 5,
          retryAfterMs: 0,
        });
        expect(await coordinator.takeTokens('b', slow(5), 5)).toEqual({
          allowed: true,
          remaining: 0,
          retryAfterMs: 0,
        });
      });

      it('counts down by the cost taken', async () => {
        const remaining = [];
        for (const cost of [1, 2, 1, 0]) {
          remaining.push((await coordinator.takeTokens('b', slow(5), cost)).remaining);
        }
        expect(remaining).toEqual([4, 2, 1, 1]);
      });

      it('refuses more than it holds, taking nothing and saying when to retry', async () => {
        const limit = { capacity: 5, refillPerSecond: 1 };
        const started = performance.now();
        await coordinator.takeTokens('b', limit, 3);
        const refused = await coordinator.takeTokens('b', limit, 3);
        const elapsedMs = performance.now() - started;
        expect(refused).toEqual({ allowed: false, remaining: 2, retryAfterMs: expect.any(Number) });
        // One token short at one token a second, less what refilled between the two calls.
        expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
        expect(refused.retryAfterMs).toBeGreaterThanOrEqual(1000 - elapsedMs - 1);
        expect(await coordinator.takeTokens('b', limit, 2)).toMatchObject({ allowed: true, remaining: 0 });
      });

      it('refills at its rate up to its capacity, and no further', async () => {
        const limit = { capacity: 2, refillPerSecond: FAST_REFILL };
        await coordinator.takeTokens('b', limit, 2);
        expect(await coordinator.takeTokens('b', limit, 1)).toMatchObject({ allowed: false });
        await sleep(TOKEN_MS * 1.5);
        expect(await coordinator.takeTokens('b', limit, 1)).toMatchObject({ allowed: true });
        await sleep(TOKEN_MS * 3);
        expect(await coordinator.takeTokens('b', limit, 0)).toMatchObject({ remaining: 2 });
      });

      it('reads without taking when the cost is 0, even when empty', async () => {
        await coordinator.takeTokens('b', slow(3), 3);
        for (let i = 0; i < 3; i++) {
          expect(await coordinator.takeTokens('b', slow(3), 0)).toEqual({
            allowed: true,
            remaining: 0,
            retryAfterMs: 0,
          });
        }
        expect(await coordinator.takeTokens('b', slow(3), 1)).toMatchObject({ allowed: false });
      });

      it('keeps buckets apart from each other and from records of the same name', async () => {
        await coordinator.create('shared', 'record', TTL_MS);
        await coordinator.takeTokens('shared', slow(2), 2);
        expect(await coordinator.takeTokens('other', slow(2), 0)).toMatchObject({ remaining: 2 });
        expect(await coordinator.get('shared')).toEqual({ value: 'record', version: 1 });
        expect(await coordinator.delete('shared')).toBe(true);
        expect(await coordinator.takeTokens('shared', slow(2), 0)).toMatchObject({ remaining: 0 });
      });

      it(`lets exactly the capacity through to ${CONCURRENCY} concurrent takers`, async () => {
        const results = await Promise.all(
          Array.from({ length: CONCURRENCY }, () => coordinator.takeTokens('b', slow(20), 1)),
        );
        const allowed = results.filter((result) => result.allowed);
        // Each taker saw a different count, so no two of them took the same token.
        expect(allowed.map((result) => result.remaining).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 20 }, (_, i) => i),
        );
        expect(results.filter((result) => !result.allowed && result.remaining === 0)).toHaveLength(
          CONCURRENCY - 20,
        );
      });

      it.each([
        [{ capacity: 0, refillPerSecond: 1 }, 0],
        [{ capacity: -1, refillPerSecond: 1 }, 0],
        [{ capacity: Number.NaN, refillPerSecond: 1 }, 0],
        [{ capacity: Number.POSITIVE_INFINITY, refillPerSecond: 1 }, 1],
        [{ capacity: 1, refillPerSecond: 0 }, 1],
        [{ capacity: 1, refillPerSecond: -1 }, 1],
        [{ capacity: 1, refillPerSecond: Number.NaN }, 1],
        [{ capacity: 1, refillPerSecond: Number.POSITIVE_INFINITY }, 1],
        [{ capacity: 1, refillPerSecond: 1e-300 }, 1],
        [{ capacity: 1, refillPerSecond: 1 }, -1],
        [{ capacity: 1, refillPerSecond: 1 }, 2],
        [{ capacity: 1, refillPerSecond: 1 }, Number.NaN],
        [{ capacity: 1, refillPerSecond: 1 }, Number.POSITIVE_INFINITY],
      ])('rejects the limit %p with cost %p without taking anything', async (limit, cost) => {
        await expect(coordinator.takeTokens('b', limit, cost)).rejects.toThrow(RangeError);
        expect(await coordinator.takeTokens('b', slow(1), 0)).toMatchObject({ remaining: 1 });
      });
    });

    it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
      'rejects a time-to-live of %p without storing anything',
      async (ttlMs) => {
        await expect(coordinator.create('k', 'v', ttlMs)).rejects.toThrow(RangeError);
        await expect(coordinator.set('k', 'v', ttlMs)).rejects.toThrow(RangeError);
        await expect(coordinator.acquireLock('l', ttlMs)).rejects.toThrow(RangeError);
        expect(await coordinator.get('k')).toBeUndefined();

        await coordinator.create('k', 'v', TTL_MS);
        const lock = await coordinator.acquireLock('l', TTL_MS);
        await expect(coordinator.compareAndSet('k', 1, 'w', ttlMs)).rejects.toThrow(RangeError);
        await expect(coordinator.extendLock(lock!, ttlMs)).rejects.toThrow(RangeError);
        expect(await coordinator.get('k')).toEqual({ value: 'v', version: 1 });
        await coordinator.delete('k');
        await coordinator.releaseLock(lock!);
      },
    );
  });
}
