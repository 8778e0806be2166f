import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryCoordinator, type LockHandle } from '@berth/coordinator';
import { UploadSessions } from './upload-sessions';

/** A coordinator on which every renewal finds the lock taken by another holder. */
class LockStolen extends MemoryCoordinator {
  override extendLock(_lock: LockHandle, _ttlMs: number): Promise<boolean> {
    return Promise.resolve(false);
  }
}

describe('UploadSessions.withLock', () => {
  const busy = () => Promise.resolve(new Error('the upload is busy'));

  it('answers with the busy error when another request holds the upload', async () => {
    const coordinator = new MemoryCoordinator();
    const sessions = new UploadSessions(coordinator, 60_000);
    const id = randomUUID();
    const inner = sessions.withLock(id, busy, () => sessions.withLock(id, busy, async () => 'nested'));
    await expect(inner).rejects.toThrow('the upload is busy');
    await coordinator.close();
  });

  it('answers with the busy error, not success, when its lock was lost while the request ran', async () => {
    const coordinator = new LockStolen();
    const sessions = new UploadSessions(coordinator, 60_000);
    // Outlasts the first renewal (a third of the lock's 6 s).
    const slow = sessions.withLock(randomUUID(), busy, async () => {
      await sleep(2_300);
      return 'appended';
    });
    await expect(slow).rejects.toThrow('the upload is busy');
    await coordinator.close();
  });
});
