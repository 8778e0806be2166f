import type { BlobStore } from '@berth/blob-store';
import type { Coordinator } from '@berth/coordinator';
import { withRenewedLock } from './renewed-lock';
import { uploadIdOfWriteKey, type UploadSessions } from './upload-sessions';

/** Reports the janitor's work to whoever keeps metrics and logs. */
export interface JanitorObserver {
  discarded(key: string): void;
  sweepFailed(error: unknown): void;
}

const noObserver: JanitorObserver = { discarded() {}, sweepFailed() {} };

const LOCK_NAME = 'upload-janitor';
// Renewed while a sweep runs; a process that dies mid-sweep holds the others off this long at most.
const LOCK_TTL_MS = 60_000;

/**
 * Discards the blob-store writes of uploads whose sessions are gone. A client that walks away
 * leaves its session to expire in the coordinator, but its bytes (an S3 multipart upload and
 * staged objects, or a staging file) would stay in the blob store for good.
 */
export class UploadJanitor {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly deps: {
      blobs: BlobStore;
      coordinator: Coordinator;
      sessions: UploadSessions;
      sessionTtlMs: number;
      observer?: JanitorObserver;
    },
  ) {}

  private get observer(): JanitorObserver {
    return this.deps.observer ?? noObserver;
  }

  /**
   * Discards every write started a session TTL or more before `now` whose upload session no longer
   * exists, and returns how many. Harmless alongside another sweep: discarding is idempotent, and
   * never undoes a commit.
   */
  async sweep(now = new Date()): Promise<number> {
    const { blobs, sessions, sessionTtlMs } = this.deps;
    let discarded = 0;
    for await (const write of blobs.listWrites(new Date(now.getTime() - sessionTtlMs))) {
      if (this.stopped) break;
      const id = uploadIdOfWriteKey(write.key);
      // A session older than its TTL is still in use: every save pushes its expiry back.
      if (id === undefined || (await sessions.exists(id))) continue;
      await write.discard();
      discarded += 1;
      this.observer.discarded(write.key);
    }
    return discarded;
  }

  /** Sweeps unless another process holds the janitor's lock; undefined when it did not sweep. */
  sweepUnlessBusy(now = new Date()): Promise<number | undefined> {
    return withRenewedLock(
      this.deps.coordinator,
      LOCK_NAME,
      LOCK_TTL_MS,
      () => this.sweep(now),
      () => undefined,
    );
  }

  /** Sweeps every `intervalMs` until stopped, in the background; failures go to the observer. */
  start(intervalMs: number): void {
    if (this.stopped || this.timer !== undefined) return;
    const schedule = (): void => {
      this.timer = setTimeout(() => {
        this.sweeping = this.sweepUnlessBusy()
          .then(
            () => undefined,
            (error: unknown) => this.observer.sweepFailed(error),
          )
          .finally(() => {
            this.sweeping = undefined;
            if (!this.stopped) schedule();
          });
      }, intervalMs);
      // The janitor alone must never keep the process alive.
      this.timer.unref();
    };
    schedule();
  }

  /** Stops sweeping for good; resolves once a sweep under way has let go of the backends. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sweeping;
  }
}
