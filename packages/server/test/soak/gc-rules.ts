import type { AcknowledgedBlob, AcknowledgedManifest, Ledger } from './soak-client';

/**
 * The review delay of a soak with GC. Long enough that a client has its manifest in after its
 * blobs: it pushes the config just before the manifest and checks (HEAD) the layer it reuses,
 * which postpones that layer's review by the delay, and a manifest push slowed by a restart past
 * the delay is refused (MANIFEST_BLOB_UNKNOWN), not acknowledged. Short enough that in a soak of a
 * minute reviews come due many times and GC deletes links, blobs and objects for real, while
 * pushes, pulls and restarts go on.
 */
export const GC_REVIEW_DELAY_SECONDS = 5;
// Each process looks for due reviews every second, so that one comes due at most a second before
// some process reviews it: deletions happen close to the earliest moment the rules allow.
const GC_INTERVAL_SECONDS = 1;
// Both clocks are this machine's; the margin covers rounding to milliseconds, no more.
const CLOCK_MARGIN_MS = 200;

/**
 * What GC may take during a soak and what it must leave, judged by the times the clients saw.
 *
 * A review comes due a delay after the change that queued it, as timed by the database at the
 * start of that change's transaction, which comes after the client sent the request, and a
 * review that comes due is carried out after that; a pull answered before then must find what it
 * asked for. Times are taken on the side that makes these rules strict but never wrong: the send
 * time of what started the delay, the answer time of the pull.
 */
export class GcRules {
  readonly delayMs = GC_REVIEW_DELAY_SECONDS * 1000;

  constructor(
    /** Whether GC also deletes manifests that no tag names (gc.untaggedManifests). */
    readonly untaggedManifests: boolean,
  ) {}

  /** The settings every process of the soak runs with. */
  env(): Record<string, string> {
    return {
      BERTH_GC_REVIEW_DELAY_SECONDS: String(GC_REVIEW_DELAY_SECONDS),
      // No jitter: a review then comes due exactly a delay after its change, the earliest the
      // rules allow, so that the check runs at its sharpest.
      BERTH_GC_REVIEW_JITTER_SECONDS: '0',
      BERTH_GC_INTERVAL_SECONDS: String(GC_INTERVAL_SECONDS),
      BERTH_GC_UNTAGGED_MANIFESTS: String(this.untaggedManifests),
    };
  }

  /** Whether `at` comes less than a review delay after `since`. */
  within(since: number, at: number): boolean {
    return at < since + this.delayMs - CLOCK_MARGIN_MS;
  }

  /**
   * Whether a manifest must still be there at `at`: always unless untagged manifests are
   * collected; then while its tag names it, and for a delay after a push that moves the tag away
   * was first sent (its review is queued when the tag moves, which is no earlier).
   */
  manifestMustSurvive(manifest: AcknowledgedManifest, at: number): boolean {
    if (!this.untaggedManifests) return true;
    return manifest.untaggedFrom === undefined || this.within(manifest.untaggedFrom, at);
  }

  /**
   * Whether a blob must still be there at `at`: while a manifest that must be there references
   * it, and for a delay after it was last acknowledged (the upload queues its link's review, due
   * then; an upload of the same content again postpones it). A blob that neither holds for may
   * be gone, and is not counted as lost.
   */
  blobMustSurvive(ledger: Ledger, blob: AcknowledgedBlob, at: number): boolean {
    return (
      this.within(blob.acknowledgedAt, at) ||
      ledger.manifests.some(
        (manifest) => manifest.blobs.includes(blob) && this.manifestMustSurvive(manifest, at),
      )
    );
  }
}
