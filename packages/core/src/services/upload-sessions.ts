import type { ResumableWrite } from '@berth/blob-store/port';
import type { Coordinator } from '@berth/coordinator/port';
import { UploadNotFoundError } from '../errors/domain-errors';
import { LeaseLostError, withLease } from '../workers/lease';

/** An upload in progress, as every process sees it. */
export interface UploadSession {
  id: string;
  repository: string;
  /** The blob store's resumable write; its size is the number of bytes acknowledged. */
  write: ResumableWrite;
  startedAt: string;
}

/** A session with the version that a later save must match, so concurrent writers cannot both win. */
export interface LoadedSession {
  session: UploadSession;
  version: number;
}

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Where every blob's object is written, each at a key of its own upload's id. */
export const BLOB_OBJECT_FOLDER = 'blobs/';
/** Refuses ids that no session can have before they reach the coordinator's keys. */
function assertUploadIdFormat(id: string): void {
  if (!UPLOAD_ID.test(id)) throw new UploadNotFoundError(`upload ${JSON.stringify(id)} is unknown`);
}

const keyOf = (id: string) => `upload:${id}`;

/** The blob-store key that an upload writes its bytes to. */
export function uploadWriteKey(id: string): string {
  return `${BLOB_OBJECT_FOLDER}${id}`;
}

/** The upload whose bytes a blob-store write key holds; undefined for a key no upload writes to. */
export function uploadIdOfWriteKey(key: string): string | undefined {
  const id = key.startsWith(BLOB_OBJECT_FOLDER) ? key.slice(BLOB_OBJECT_FOLDER.length) : '';
  return UPLOAD_ID.test(id) ? id : undefined;
}

/** Upload sessions kept in the coordinator, expiring after a period without activity. */
export class UploadSessions {
  constructor(
    private readonly coordinator: Coordinator,
    private readonly ttlMs: number,
  ) {}

  async create(session: UploadSession): Promise<void> {
    const created = await this.coordinator.create(keyOf(session.id), JSON.stringify(session), this.ttlMs);
    if (!created) throw new Error(`upload id collision: ${session.id}`);
  }

  /** Loads a session of the repository; a session of another repository is as good as unknown. */
  async load(repository: string, id: string): Promise<LoadedSession> {
    assertUploadIdFormat(id);
    const stored = await this.coordinator.get(keyOf(id));
    if (!stored) throw new UploadNotFoundError(`upload ${id} is unknown or has expired`);
    const session = JSON.parse(stored.value) as UploadSession;
    if (session.repository !== repository) throw new UploadNotFoundError(`upload ${id} is unknown`);
    return { session, version: stored.version };
  }

  /** Saves a session unless another request saved it first; returns the new version. */
  async save(loaded: LoadedSession, write: ResumableWrite): Promise<LoadedSession> {
    const session = { ...loaded.session, write };
    const version = await this.coordinator.compareAndSet(
      keyOf(session.id),
      loaded.version,
      JSON.stringify(session),
      this.ttlMs,
    );
    if (version === undefined)
      throw new UploadNotFoundError(`upload ${session.id} changed or expired meanwhile`);
    return { session, version };
  }

  /** True while the session lives: neither finished, cancelled nor expired. */
  async exists(id: string): Promise<boolean> {
    return (await this.coordinator.get(keyOf(id))) !== undefined;
  }

  async delete(id: string): Promise<void> {
    await this.coordinator.delete(keyOf(id));
  }

  /**
   * Serialises requests on one upload across processes; renewed while a long body streams.
   * `onBusy` builds the error for a request that finds the upload taken (the rare path), and for
   * one whose lock was lost while it ran: another request may have moved the upload on since, so
   * the client is told where it stands, as when it finds it taken, rather than that it succeeded.
   */
  async withLock<T>(id: string, onBusy: () => Promise<Error>, work: () => Promise<T>): Promise<T> {
    assertUploadIdFormat(id);
    // Short, so a request on a process that died frees the upload within seconds (clients retry
    // meanwhile on 416); renewed every third of it while the holder is alive.
    const lockTtlMs = 6_000;
    let leased;
    try {
      leased = await withLease(this.coordinator, `upload-lock:${id}`, lockTtlMs, work);
    } catch (error) {
      if (error instanceof LeaseLostError) throw await onBusy();
      throw error;
    }
    if (!leased.held) throw await onBusy();
    return leased.value;
  }
}
