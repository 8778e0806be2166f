import type { Coordinator } from '@berth/coordinator';

/**
 * Runs `work` holding a coordinator lock, renewed every third of `ttlMs` while it runs, so a
 * holder that dies frees the lock within `ttlMs` however long the work takes; `onBusy` answers
 * instead when another holder has the lock.
 */
export async function withRenewedLock<T, B>(
  coordinator: Coordinator,
  name: string,
  ttlMs: number,
  work: () => Promise<T>,
  onBusy: () => B,
): Promise<T | B> {
  const lock = await coordinator.acquireLock(name, ttlMs);
  if (!lock) return onBusy();
  const renew = setInterval(() => {
    coordinator.extendLock(lock, ttlMs).catch(() => undefined);
  }, ttlMs / 3);
  renew.unref();
  try {
    return await work();
  } finally {
    clearInterval(renew);
    await coordinator.releaseLock(lock).catch(() => undefined);
  }
}
