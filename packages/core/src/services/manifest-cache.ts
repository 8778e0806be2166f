import type { ChannelSubscription, Coordinator } from '@berth/coordinator/port';
import type { ManifestRecord } from '@berth/metadata-store/port';
import { LRUCache } from 'lru-cache';

/** How much a process keeps, and for how long at most. */
export interface ManifestCacheSettings {
  ttlMs: number;
  maxBytes: number;
}

/** Told of every lookup, for the metrics, and of broadcasts that failed, for the logs. */
export interface ManifestCacheObserver {
  lookedUp(hit: boolean): void;
  broadcastFailed(repository: string, error: unknown): void;
}

// Repositories whose manifests or tags changed, one name per message.
const CHANNEL = 'manifests-changed';

interface Entry {
  repository: string;
  manifest: ManifestRecord;
}

/**
 * Manifests recently read, by repository and reference, so that a rollout pulling one tag from
 * many nodes costs the database one query per process rather than one per request.
 *
 * Every write to a repository's manifests or tags is broadcast through the coordinator, and each
 * process drops what it holds of that repository when it hears it; the writer broadcasts before
 * answering, so a client that pushed and then pulls from another process sees its push. While
 * broadcasts cannot be heard (the coordinator's connection is down) nothing is cached, since
 * changes would go unnoticed. The time-to-live bounds staleness should a broadcast be lost
 * anyway (a writer cut off from the coordinator alone).
 */
export class ManifestCache {
  readonly #entries: LRUCache<string, Entry>;
  readonly #keysByRepository = new Map<string, Set<string>>();
  readonly #subscription: ChannelSubscription;
  readonly #observer: ManifestCacheObserver | undefined;
  #hearing = false;
  /**
   * Counts invalidations. A read stores what it loaded only if none happened while it loaded,
   * since the loaded value may predate the change that invalidation announced.
   */
  #generation = 0;

  constructor(
    private readonly coordinator: Coordinator,
    settings: ManifestCacheSettings,
    observer?: ManifestCacheObserver,
  ) {
    this.#observer = observer;
    this.#entries = new LRUCache<string, Entry>({
      ttl: settings.ttlMs,
      maxSize: settings.maxBytes,
      sizeCalculation: ({ manifest }) => manifest.payload.length + manifest.digest.length + 64,
      dispose: ({ repository }, key) => {
        const keys = this.#keysByRepository.get(repository);
        keys?.delete(key);
        if (keys?.size === 0) this.#keysByRepository.delete(repository);
      },
    });
    this.#subscription = coordinator.subscribe(CHANNEL, {
      message: (repository) => this.#forget(repository),
      resumed: () => {
        this.#forgetAll();
        this.#hearing = true;
      },
      interrupted: () => {
        this.#hearing = false;
        this.#forgetAll();
      },
    });
  }

  /** Whether broadcasts are heard, and so whether the cache is in use. */
  get hearing(): boolean {
    return this.#hearing;
  }

  /** The manifest `reference` names in `repository`, from the cache or else from `load`. */
  async read(
    repository: string,
    reference: string,
    load: () => Promise<ManifestRecord | undefined>,
  ): Promise<ManifestRecord | undefined> {
    const key = `${repository}:${reference}`;
    const cached = this.#hearing ? this.#entries.get(key) : undefined;
    this.#observer?.lookedUp(cached !== undefined);
    if (cached) return cached.manifest;
    const generation = this.#generation;
    const manifest = await load();
    if (manifest && this.#hearing && generation === this.#generation) this.#store(key, repository, manifest);
    return manifest;
  }

  /**
   * Announces that `repository`'s manifests or tags changed, here and in every other process.
   * Never fails: the change is already stored, and a lost broadcast costs at most the time-to-live.
   */
  async changed(repository: string): Promise<void> {
    this.#forget(repository);
    try {
      await this.coordinator.publish(CHANNEL, repository);
    } catch (error) {
      this.#observer?.broadcastFailed(repository, error);
    }
  }

  close(): Promise<void> {
    return this.#subscription.close();
  }

  #store(key: string, repository: string, manifest: ManifestRecord): void {
    this.#entries.set(key, { repository, manifest });
    // A manifest larger than the whole cache is not kept, and must not be indexed either.
    if (!this.#entries.has(key)) return;
    const keys = this.#keysByRepository.get(repository) ?? new Set();
    this.#keysByRepository.set(repository, keys);
    keys.add(key);
  }

  #forget(repository: string): void {
    this.#generation++;
    for (const key of [...(this.#keysByRepository.get(repository) ?? [])]) this.#entries.delete(key);
  }

  #forgetAll(): void {
    this.#generation++;
    this.#entries.clear();
  }
}
