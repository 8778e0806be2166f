import { Counter, Histogram, exponentialBuckets, type Registry } from 'prom-client';
import type { UploadObserver } from '@berth/core';
import type { PullObserver } from '../http/routes/blob-routes';

// From a few milliseconds for a config blob to ten minutes for a large layer on a slow link.
const TRANSFER_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
// 1 KiB to 4 GiB, by factors of 4.
const BLOB_BYTES = exponentialBuckets(1024, 4, 12);

/**
 * Blob traffic: bytes, per-transfer duration and size (their sums' ratio is the throughput),
 * upload sessions and the janitor's discards. `store` names the blob-store adapter.
 */
export class BlobMetrics {
  readonly #bytesIn: Counter;
  readonly #bytesOut: Counter;
  readonly #sessionsStarted: Counter;
  readonly #sessionsEnded: Counter;
  readonly #janitorDiscards: Counter;
  readonly #uploadSeconds: Histogram<'store'>;
  readonly #uploadBytes: Histogram<'store'>;
  readonly #pullSeconds: Histogram<'store'>;
  readonly #pullBytes: Histogram<'store'>;
  readonly #store: { store: string };

  constructor(registry: Registry, store: string) {
    const registers = [registry];
    this.#store = { store };
    this.#bytesIn = new Counter({
      name: 'berth_blob_bytes_received_total',
      help: 'Blob bytes received from clients.',
      registers,
    });
    this.#bytesOut = new Counter({
      name: 'berth_blob_bytes_sent_total',
      help: 'Blob bytes sent to clients through this process (redirected pulls are not counted).',
      registers,
    });
    // Counters, not a gauge of sessions open: a session is shared by every process, may end on
    // another one than it started on, or expire unfinished, so no process knows how many are open.
    this.#sessionsStarted = new Counter({
      name: 'berth_upload_sessions_started_total',
      help: 'Upload sessions this process started; a blob pushed in a single request opens none.',
      registers,
    });
    this.#sessionsEnded = new Counter({
      name: 'berth_upload_sessions_ended_total',
      help: 'Upload sessions this process completed or cancelled, wherever they started.',
      registers,
    });
    this.#janitorDiscards = new Counter({
      name: 'berth_upload_janitor_discarded_total',
      help: 'Blob-store writes of abandoned uploads discarded by this process.',
      registers,
    });
    this.#uploadSeconds = new Histogram({
      name: 'berth_blob_upload_duration_seconds',
      help: 'Time from the start of an upload (its session, or its single request) to its completion, per blob upload completed here.',
      labelNames: ['store'],
      buckets: TRANSFER_SECONDS,
      registers,
    });
    this.#uploadBytes = new Histogram({
      name: 'berth_blob_upload_size_bytes',
      help: 'Size of each blob whose upload completed here.',
      labelNames: ['store'],
      buckets: BLOB_BYTES,
      registers,
    });
    this.#pullSeconds = new Histogram({
      name: 'berth_blob_pull_duration_seconds',
      help: 'Time to open and stream a blob (or range) to the client, per pull served to the last byte.',
      labelNames: ['store'],
      buckets: TRANSFER_SECONDS,
      registers,
    });
    this.#pullBytes = new Histogram({
      name: 'berth_blob_pull_size_bytes',
      help: 'Bytes streamed per pull served to the last byte.',
      labelNames: ['store'],
      buckets: BLOB_BYTES,
      registers,
    });
  }

  /** Feeds upload activity into the metrics. */
  readonly uploads: UploadObserver = {
    sessionOpened: () => this.#sessionsStarted.inc(),
    sessionClosed: () => this.#sessionsEnded.inc(),
    bytesReceived: (bytes) => this.#bytesIn.inc(bytes),
    blobUploaded: (bytes, seconds) => {
      this.#uploadSeconds.observe(this.#store, seconds);
      this.#uploadBytes.observe(this.#store, bytes);
    },
  };

  /** Feeds pulls streamed through the process into the metrics. */
  readonly pulls: PullObserver = {
    streamed: (bytes, seconds, completed) => {
      this.#bytesOut.inc(bytes);
      if (!completed) return;
      this.#pullSeconds.observe(this.#store, seconds);
      this.#pullBytes.observe(this.#store, bytes);
    },
  };

  /** Counts one abandoned upload's write discarded by the upload janitor. */
  readonly abandonedUploadDiscarded = (): void => this.#janitorDiscards.inc();
}
