import type { Coordinator } from '@berth/coordinator/port';

/** The work's lease is gone: another holder may have it now, so the work must stop at once. */
export class LeaseLostError extends Error {
  constructor(readonly lease: string) {
    super(`lost the lease ${lease}`);
    this.name = 'LeaseLostError';
  }
}

/** How a leased run ended. */
export type LeaseOutcome<T> = { held: true; value: T } | { held: false };

/**
 * Runs `work` holding the coordinator lock `name`, so that one holder at a time does it across
 * every process of a deployment. The lock is renewed every third of `ttlMs`; a holder that dies
 * frees it within `ttlMs` however long the work takes. When a renewal finds the lock taken, or
 * renewals keep failing past half its time (another process may take it once it expires), `signal` aborts with LeaseLostError and the run rejects with it, even if
 * the work ignored the signal: nothing it did after that may be trusted as the holder's.
 * `{ held: false }` when another holder has the lock.
 */
export async function withLease<T>(
  coordinator: Coordinator,
  name: string,
  ttlMs: number,
  work: (signal: AbortSignal) => Promise<T>,
  outer?: AbortSignal,
): Promise<LeaseOutcome<T>> {
  const lock = await coordinator.acquireLock(name, ttlMs);
  if (!lock) return { held: false };
  const lost = new AbortController();
  let renewedAt = Date.now();
  const renew = async (): Promise<void> => {
    try {
      if (await coordinator.extendLock(lock, ttlMs)) renewedAt = Date.now();
      else lost.abort(new LeaseLostError(name));
    } catch {
      // Past half its time the next renewal (a third later) could come after the lock expired:
      // give up now, while it is still held.
      if (Date.now() - renewedAt >= ttlMs / 2) lost.abort(new LeaseLostError(name));
    }
  };
  const timer = setInterval(() => void renew(), ttlMs / 3);
  timer.unref();
  const signal = outer ? AbortSignal.any([lost.signal, outer]) : lost.signal;
  try {
    const value = await work(signal);
    lost.signal.throwIfAborted();
    return { held: true, value };
  } catch (error) {
    lost.signal.throwIfAborted();
    throw error;
  } finally {
    clearInterval(timer);
    if (!lost.signal.aborted) await coordinator.releaseLock(lock).catch(() => undefined);
  }
}
