import type { BlobStore } from '@berth/blob-store/port';
import type { Worker } from '../workers/worker';
import { uploadIdOfWriteKey, type UploadSessions } from './upload-sessions';

/** Reports the janitor's work to whoever keeps metrics and logs. */
export interface JanitorObserver {
  discarded(key: string): void;
}

const noObserver: JanitorObserver = { discarded() {} };

/**
 * Discards the blob-store writes of uploads whose sessions are gone. A client that walks away
 * leaves its session to expire in the coordinator, but its bytes (an S3 multipart upload and
 * staged objects, or a staging file) would stay in the blob store for good. One process at a
 * time sweeps (exclusive), though two sweeps at once would only repeat each other's discards.
 */
export class UploadJanitor implements Worker {
  readonly name = 'upload-janitor';
  readonly exclusive = true;

  constructor(
    private readonly deps: {
      blobs: BlobStore;
      sessions: UploadSessions;
      sessionTtlMs: number;
      /** Between sweeps; 0 sweeps only when asked. */
      intervalMs: number;
      observer?: JanitorObserver;
    },
  ) {}

  get intervalMs(): number {
    return this.deps.intervalMs;
  }

  run(signal: AbortSignal): Promise<number> {
    return this.sweep(new Date(), signal);
  }

  /**
   * Discards every write started a session TTL or more before `now` whose upload session no longer
   * exists, and returns how many. Harmless alongside another sweep: discarding is idempotent, and
   * never undoes a commit.
   */
  async sweep(now = new Date(), signal?: AbortSignal): Promise<number> {
    const { blobs, sessions, sessionTtlMs } = this.deps;
    const observer = this.deps.observer ?? noObserver;
    let discarded = 0;
    for await (const write of blobs.listWrites(new Date(now.getTime() - sessionTtlMs))) {
      if (signal?.aborted) break;
      const id = uploadIdOfWriteKey(write.key);
      // A session older than its TTL is still in use: every save pushes its expiry back.
      if (id === undefined || (await sessions.exists(id))) continue;
      await write.discard();
      discarded += 1;
      observer.discarded(write.key);
    }
    return discarded;
  }
}
