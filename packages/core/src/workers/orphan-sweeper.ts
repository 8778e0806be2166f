import type { BlobStore, StoredObject } from '@berth/blob-store/port';
import type { MetadataStore } from '@berth/metadata-store/port';
import { BLOB_OBJECT_FOLDER } from '../services/upload-sessions';
import type { Worker } from './worker';

const PAGE = 1_000;

/** Reports what the orphan sweep deletes. */
export interface OrphanObserver {
  orphanDeleted(key: string, bytes: number): void;
}

/**
 * Deletes blob objects that no blob row names: what a process killed between writing an object
 * and recording its row left, or what a failed delete of a reclaimed blob left behind.
 *
 * An object is only deleted once it is older than `minimumAgeMs` (longer than any upload can
 * take, since an upload's object may be dated from the upload's start) and was found unnamed on
 * two runs at least `confirmAfterMs` apart: between committing its object and recording its row,
 * an upload's object is unnamed for a moment, and the second look cannot happen inside that
 * moment. Keys are unique per upload, so an unnamed old key can never be named again.
 */
export class OrphanSweeper implements Worker {
  readonly name = 'orphan-sweep';
  readonly exclusive = true;
  /** Unnamed objects seen, by key, with when they were first seen unnamed. */
  readonly #suspects = new Map<string, number>();

  constructor(
    private readonly deps: {
      blobs: BlobStore;
      metadata: Pick<MetadataStore, 'namedStorageKeys'>;
      minimumAgeMs: number;
      confirmAfterMs: number;
      intervalMs: number;
      observer?: OrphanObserver;
    },
  ) {}

  get intervalMs(): number {
    return this.deps.intervalMs;
  }

  async run(signal: AbortSignal, now = Date.now()): Promise<number> {
    const seen = new Set<string>();
    let deleted = 0;
    let page: StoredObject[] = [];
    const sweep = async (): Promise<void> => {
      deleted += await this.#sweepPage(page, now, seen);
      page = [];
    };
    for await (const object of this.deps.blobs.listObjects(BLOB_OBJECT_FOLDER)) {
      if (signal.aborted) return deleted;
      if (now - object.lastModified.getTime() < this.deps.minimumAgeMs) continue;
      page.push(object);
      if (page.length === PAGE) await sweep();
    }
    await sweep();
    // A suspect no longer listed is gone (or named): forget it.
    for (const key of this.#suspects.keys()) if (!seen.has(key)) this.#suspects.delete(key);
    return deleted;
  }

  async #sweepPage(page: StoredObject[], now: number, seen: Set<string>): Promise<number> {
    const named = await this.deps.metadata.namedStorageKeys(page.map((object) => object.key));
    let deleted = 0;
    for (const object of page) {
      if (named.has(object.key)) continue;
      seen.add(object.key);
      const firstSeen = this.#suspects.get(object.key);
      if (firstSeen === undefined) {
        this.#suspects.set(object.key, now);
        continue;
      }
      if (now - firstSeen < this.deps.confirmAfterMs) continue;
      await this.deps.blobs.delete(object.key);
      this.#suspects.delete(object.key);
      this.deps.observer?.orphanDeleted(object.key, object.size);
      deleted += 1;
    }
    return deleted;
  }
}
