import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryCoordinator, type Coordinator, type LockHandle } from '@berth/coordinator';
import { LeaseLostError, withLease } from './lease';

const TTL_MS = 600;

/** A coordinator whose lock renewals can be made to fail, or to report the lock lost. */
class FlakyRenewals extends MemoryCoordinator {
  renewals: 'ok' | 'lost' | 'failing' = 'ok';

  override extendLock(lock: LockHandle, ttlMs: number): Promise<boolean> {
    if (this.renewals === 'failing') return Promise.reject(new Error('coordinator unreachable'));
    if (this.renewals === 'lost') return Promise.resolve(false);
    return super.extendLock(lock, ttlMs);
  }
}

/** Work that runs until its signal aborts, ignoring it if told to, and says how it ended. */
function workUntilAborted(ignoreSignal = false): (signal: AbortSignal) => Promise<string> {
  return async (signal) => {
    const started = Date.now();
    while (Date.now() - started < 5 * TTL_MS) {
      if (signal.aborted && !ignoreSignal) throw signal.reason;
      await sleep(10);
    }
    return 'finished';
  };
}

describe('withLease', () => {
  let coordinator: FlakyRenewals;

  beforeEach(() => {
    coordinator = new FlakyRenewals();
  });

  afterEach(() => coordinator.close());

  async function lockIsFree(on: Coordinator = coordinator): Promise<boolean> {
    const probe = await on.acquireLock('job', TTL_MS);
    if (probe) await on.releaseLock(probe);
    return probe !== undefined;
  }

  it('runs the work holding the lock, renews it past its TTL, and releases it', async () => {
    const outcome = withLease(coordinator, 'job', TTL_MS, async () => {
      await sleep(TTL_MS * 2);
      // Still held well past the first TTL: renewed.
      expect(await lockIsFree()).toBe(false);
      return 42;
    });
    await expect(outcome).resolves.toEqual({ held: true, value: 42 });
    expect(await lockIsFree()).toBe(true);
  });

  it('does not run the work while another holder has the lock', async () => {
    const other = await coordinator.acquireLock('job', 10_000);
    const work = jest.fn(async () => 1);
    await expect(withLease(coordinator, 'job', TTL_MS, work)).resolves.toEqual({ held: false });
    expect(work).not.toHaveBeenCalled();
    await coordinator.releaseLock(other!);
  });

  it('aborts the work at once when a renewal finds the lock taken', async () => {
    coordinator.renewals = 'lost';
    const started = Date.now();
    await expect(withLease(coordinator, 'job', TTL_MS, workUntilAborted())).rejects.toThrow(LeaseLostError);
    expect(Date.now() - started).toBeLessThan(TTL_MS);
  });

  it('rejects a run whose lease was lost even when the work ignored the signal', async () => {
    coordinator.renewals = 'lost';
    await expect(withLease(coordinator, 'job', TTL_MS, workUntilAborted(true))).rejects.toThrow(
      LeaseLostError,
    );
  });

  it('gives up before the lock can expire when renewals keep failing, not at the first failure', async () => {
    coordinator.renewals = 'failing';
    let abortedAfter = 0;
    const started = Date.now();
    await expect(
      withLease(coordinator, 'job', TTL_MS, async (signal) => {
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        abortedAfter = Date.now() - started;
      }),
    ).rejects.toThrow(LeaseLostError);
    // The first failed renewal (a third in) is borne; the lock is given up before it expires.
    expect(abortedAfter).toBeGreaterThan(TTL_MS / 2);
    expect(abortedAfter).toBeLessThan(TTL_MS);
  });

  it('passes on an abort from outside, releasing the lock', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('stopping')), 50);
    await expect(withLease(coordinator, 'job', TTL_MS, workUntilAborted(), stop.signal)).rejects.toThrow(
      'stopping',
    );
    expect(await lockIsFree()).toBe(true);
  });
});
