import { setTimeout as sleep } from 'node:timers/promises';
import type { BerthProcess } from '../support/berth-process';
import type { ClusterBackends } from '../support/cluster-backends';
import { OCI_MANIFEST, type OciClient } from '../support/oci-client';
import type { ProcessCluster } from '../support/process-cluster';
import { Scrape } from '../support/prometheus';
import { auditStorage, type StorageAudit } from '../support/storage-audit';
import type { GcRules } from './gc-rules';
import type { AcknowledgedBlob, AcknowledgedManifest, Ledger } from './soak-client';
import { seededBytes } from './seeded-bytes';

// With a delay of seconds and no load, a minute is many times what the queues need to empty.
const SETTLE_TIMEOUT_MS = 60_000;
const SETTLE_POLL_MS = 500;

/** Reviews queued, by queue. */
export interface QueueCounts {
  manifests: number;
  links: number;
  blobs: number;
}

/** The sums over the running processes of what their GC counted since they last started. */
export interface Reclaimed {
  blobs: number;
  bytes: number;
  links: number;
  manifests: number;
  objectDeleteFailures: number;
  runs: number;
  failedRuns: number;
  /** How long those runs took, together. */
  runSeconds: number;
}

/** How many blobs and manifests of a kind were pulled back, and how many of them GC had taken. */
export interface Tally {
  blobs: number;
  manifests: number;
  blobsGone: number;
  manifestsGone: number;
}

/** The outcome of pulling back, after a soak with GC, everything acknowledged that had to stay. */
export interface GcCheck {
  /** Manifests that had to stay whatever the time, each pulled from every process with its blobs. */
  manifests: number;
  blobs: number;
  tags: number;
  processes: number;
  /**
   * Acknowledged content that had to stay only until a delay after its upload or after its
   * tag moved, pulled at once from every process: gone only if its time ran out meanwhile.
   */
  timeBound: Tally;
  /** The rest, which GC was allowed to take, pulled once. */
  mayGo: Tally;
  /** One line per acknowledged thing that had to stay and did not come back as acknowledged. */
  problems: string[];
  /** How long after the pull-back the queues were empty, or what they still held at the timeout. */
  settled: { ms: number; left?: QueueCounts };
  audit: StorageAudit;
  /** Rows without object that were still rows, with the same key, after the bucket was listed. */
  rowsWithoutObject: string[];
  reclaimed: Reclaimed;
  blobRows: { loadEnd: number; end: number };
  /** Acknowledged blobs whose row is gone at the end, and their bytes. */
  acknowledgedGone: { blobs: number; bytes: number; of: number };
}

/**
 * Pulls back, after a soak with GC, what had to stay. First, at once, what GC may take once a
 * delay has passed: what is still within it from every process (it must be there), the rest once
 * (it may be gone, but never different). Then, once GC has worked off its queues, every manifest
 * that stays whatever the time, and every blob it references, from every process. Then it audits
 * storage and reads what GC reclaimed.
 */
export async function checkWithGc(cluster: ProcessCluster, ledger: Ledger, rules: GcRules): Promise<GcCheck> {
  const problems = [
    ...ledger.mismatches.map((what) => `pulled different bytes during the soak: ${what}`),
    ...ledger.gc.losses.map((what) => `gone during the soak: ${what}`),
  ];
  const blobRowsAtLoadEnd = await countBlobRows(cluster.backends);
  const every = cluster.processes.map((_, index) => cluster.clientOf(index));
  const pulls = new Puller(ledger, rules, problems);

  // What must stay whatever the time: what no GC rule lets go of while clients delete nothing.
  const forGood = ledger.manifests.filter((m) => !rules.untaggedManifests || m.untaggedFrom === undefined);
  const referenced = new Set(forGood.flatMap((manifest) => manifest.blobs));
  const others = ledger.manifests.filter((m) => !forGood.includes(m));
  const now = Date.now();
  const fading = others.filter((m) => rules.manifestMustSurvive(m, now));
  const young = ledger.blobs.filter((b) => !referenced.has(b) && rules.blobMustSurvive(ledger, b, now));
  // At once, before their time runs out, the closest to it first, from one process after the
  // other in a row: each must be there on all of them.
  const timeBound = [
    ...fading.map((manifest) => ({
      until: (manifest.untaggedFrom ?? 0) + rules.delayMs,
      pull: (client: OciClient) => pulls.manifest(client, manifest),
    })),
    ...young.map((blob) => ({
      until: Math.max(
        blob.acknowledgedAt + rules.delayMs,
        ...fading.filter((m) => m.blobs.includes(blob)).map((m) => (m.untaggedFrom ?? 0) + rules.delayMs),
      ),
      pull: (client: OciClient) => pulls.blob(client, blob, 'unreferenced or of an untagged manifest'),
    })),
  ].sort((a, b) => a.until - b.until);
  for (const item of timeBound) for (const client of every) await item.pull(client);
  const roundRobin = cluster.client();
  const mayGoBlobs = ledger.blobs.filter((blob) => !referenced.has(blob) && !young.includes(blob));
  for (const blob of mayGoBlobs)
    await pulls.blob(roundRobin, blob, 'unreferenced or of an untagged manifest');
  const mayGoManifests = others.filter((manifest) => !fading.includes(manifest));
  for (const manifest of mayGoManifests) await pulls.manifest(roundRobin, manifest);

  const settled = await queuesWorkedOff(cluster.backends);

  for (const client of every) {
    for (const manifest of forGood) {
      await pulls.manifest(client, manifest);
      for (const blob of manifest.blobs) await pulls.blob(client, blob, `of manifest ${manifest.digest}`);
    }
    for (const [reference, digest] of ledger.tags) {
      const [repository, tag] = reference.split(':');
      const res = await client.request('HEAD', `/v2/${repository}/manifests/${tag}`, {
        headers: { Accept: OCI_MANIFEST },
      });
      const target = res.headers.get('docker-content-digest');
      if (target !== digest)
        problems.push(
          `tag ${reference}: points at ${target ?? res.status} on ${portOf(client)}, not ${digest}`,
        );
    }
  }

  const audit = await auditStorage(cluster.backends);
  const rowsWithoutObject = await stillWithoutObject(cluster.backends, audit);
  const rowDigests = new Set(audit.blobRows.map((row) => row.digest));
  const acknowledged = new Map(ledger.blobs.map((blob) => [blob.digest, blob]));
  const goneBlobs = [...acknowledged.values()].filter((blob) => !rowDigests.has(blob.digest));
  return {
    manifests: forGood.length,
    blobs: referenced.size,
    tags: ledger.tags.size,
    processes: every.length,
    timeBound: pulls.tally(young, fading),
    mayGo: pulls.tally(mayGoBlobs, mayGoManifests),
    problems,
    settled,
    audit,
    rowsWithoutObject,
    reclaimed: await reclaimed(cluster.processes),
    blobRows: { loadEnd: blobRowsAtLoadEnd, end: audit.blobRows.length },
    acknowledgedGone: {
      blobs: goneBlobs.length,
      bytes: goneBlobs.reduce((sum, blob) => sum + blob.size, 0),
      of: acknowledged.size,
    },
  };
}

/** Pulls acknowledged content and judges each answer by the rules at the moment it came. */
class Puller {
  /** What GC was allowed to take and was found gone. */
  private readonly goneBlobs = new Set<AcknowledgedBlob>();
  private readonly goneManifests = new Set<AcknowledgedManifest>();

  constructor(
    private readonly ledger: Ledger,
    private readonly rules: GcRules,
    private readonly problems: string[],
  ) {}

  tally(blobs: AcknowledgedBlob[], manifests: AcknowledgedManifest[]): Tally {
    return {
      blobs: blobs.length,
      manifests: manifests.length,
      blobsGone: blobs.filter((blob) => this.goneBlobs.has(blob)).length,
      manifestsGone: manifests.filter((manifest) => this.goneManifests.has(manifest)).length,
    };
  }

  async blob(client: OciClient, blob: AcknowledgedBlob, role: string): Promise<void> {
    const sentAt = Date.now();
    const res = await client.request('GET', `/v2/${blob.repository}/blobs/${blob.digest}`, { follow: true });
    const body = Buffer.from(await res.arrayBuffer());
    const answeredAt = Date.now();
    const what = `blob ${blob.repository}@${blob.digest} (${role})`;
    if (res.status === 200) {
      if (!body.equals(seededBytes(blob.seed, blob.size)))
        this.problems.push(`${what}: other bytes from ${portOf(client)}`);
    } else if (res.status === 404 && !this.rules.blobMustSurvive(this.ledger, blob, answeredAt)) {
      this.goneBlobs.add(blob);
    } else {
      this.problems.push(
        `${what}: ${res.status} from ${portOf(client)}, asked at ${this.ledger.soakTime(sentAt)}, ` +
          `${sentAt - blob.acknowledgedAt} ms after it was last acknowledged`,
      );
    }
  }

  async manifest(client: OciClient, manifest: AcknowledgedManifest): Promise<void> {
    const sentAt = Date.now();
    const res = await client.request('GET', `/v2/${manifest.repository}/manifests/${manifest.digest}`, {
      headers: { Accept: OCI_MANIFEST },
    });
    const body = Buffer.from(await res.arrayBuffer());
    const answeredAt = Date.now();
    const what = `manifest ${manifest.repository}@${manifest.digest} (${manifest.tag})`;
    if (res.status === 200) {
      if (!body.equals(manifest.bytes)) this.problems.push(`${what}: other bytes from ${portOf(client)}`);
    } else if (res.status === 404 && !this.rules.manifestMustSurvive(manifest, answeredAt)) {
      this.goneManifests.add(manifest);
    } else {
      const untagged =
        manifest.untaggedFrom === undefined
          ? 'still tagged'
          : `its tag moving away from ${this.ledger.soakTime(manifest.untaggedFrom)}`;
      this.problems.push(
        `${what}: ${res.status} from ${portOf(client)}, asked at ${this.ledger.soakTime(sentAt)}, ${untagged}`,
      );
    }
  }
}

/** Waits until no review is queued any more, or the timeout. */
async function queuesWorkedOff(backends: ClusterBackends): Promise<{ ms: number; left?: QueueCounts }> {
  const started = Date.now();
  for (;;) {
    const left = await queued(backends);
    if (left.manifests + left.links + left.blobs === 0) return { ms: Date.now() - started };
    if (Date.now() - started > SETTLE_TIMEOUT_MS) return { ms: Date.now() - started, left };
    await sleep(SETTLE_POLL_MS);
  }
}

async function queued(backends: ClusterBackends): Promise<QueueCounts> {
  const [row] = await backends.query<QueueCounts>(
    `SELECT (SELECT count(*)::int FROM gc_manifest_reviews) AS manifests,
            (SELECT count(*)::int FROM gc_link_reviews) AS links,
            (SELECT count(*)::int FROM gc_blob_reviews) AS blobs`,
  );
  if (!row) throw new Error('no row');
  return row;
}

async function countBlobRows(backends: ClusterBackends): Promise<number> {
  const [row] = await backends.query<{ count: number }>('SELECT count(*)::int AS count FROM blobs');
  return row?.count ?? 0;
}

/**
 * The audit reads the table and lists the bucket at once: a row it read may have been deleted
 * by GC, and its object after, before the listing. A row that is still there afterwards, naming
 * the same key, was there when its object was found missing.
 */
async function stillWithoutObject(backends: ClusterBackends, audit: StorageAudit): Promise<string[]> {
  const missing = new Set(audit.rowsWithoutObject);
  const keys = audit.blobRows.filter((row) => missing.has(row.digest)).map((row) => row.storage_key);
  if (keys.length === 0) return [];
  const rows = await backends.query<{ digest: string }>(
    'SELECT digest FROM blobs WHERE storage_key = ANY($1) ORDER BY digest',
    [keys],
  );
  return rows.map((row) => row.digest);
}

async function reclaimed(processes: BerthProcess[]): Promise<Reclaimed> {
  const scrapes = await Promise.all(processes.filter((p) => p.running).map((p) => Scrape.of(p.url)));
  const sum = (name: string, labels: Record<string, string> = {}) =>
    scrapes.reduce((total, scrape) => total + scrape.value(name, labels), 0);
  return {
    blobs: sum('berth_gc_blobs_reclaimed_total'),
    bytes: sum('berth_gc_reclaimed_bytes_total'),
    links: sum('berth_gc_links_removed_total'),
    manifests: sum('berth_gc_manifests_deleted_total'),
    objectDeleteFailures: sum('berth_gc_object_delete_failures_total'),
    runs: sum('berth_worker_runs_total', { worker: 'gc' }),
    failedRuns: sum('berth_worker_runs_total', { worker: 'gc', outcome: 'failed' }),
    runSeconds: sum('berth_worker_run_duration_seconds_sum', { worker: 'gc' }),
  };
}

function portOf(client: OciClient): string {
  return `:${new URL(client.baseUrl).port}`;
}
