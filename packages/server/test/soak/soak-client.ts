import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, sha256 } from '../support/oci-client';
import { errorCodeIn } from '../support/outage-checks';
import type { RoundRobinClient } from '../support/round-robin-client';
import { resumeOffset } from '../support/upload-steps';
import type { GcRules } from './gc-rules';
import { newSeed, seededBytes } from './seeded-bytes';
import type { SoakStats } from './soak-stats';

const MiB = 1024 * 1024;
// Long enough to outlast the upload lock of a killed process (15 s) and a process restart.
const OPERATION_BUDGET_MS = 45_000;
const REQUEST_TIMEOUT_MS = 30_000;
const RETRY_PAUSE_MS = 250;

/** A blob the registry acknowledged with 201: its bytes are made again from the seed to check them. */
export interface AcknowledgedBlob {
  repository: string;
  digest: string;
  seed: Buffer;
  size: number;
  /**
   * When the request that last acknowledged it was sent (epoch ms): with GC, its link's review
   * comes due no earlier than a delay after this.
   */
  acknowledgedAt: number;
}

/** A manifest the registry acknowledged with 201. */
export interface AcknowledgedManifest {
  repository: string;
  digest: string;
  bytes: Buffer;
  tag: string;
  /** Its config, then its layers. */
  blobs: AcknowledgedBlob[];
  /**
   * When a push moving its tag to another manifest was first sent (epoch ms), whether or not that
   * push was acknowledged: the earliest the manifest may have lost its tag.
   */
  untaggedFrom?: number;
}

/** What a soak with GC saw GC do during the load. */
export class GcSightings {
  /** Pulls answered 404 for something GC was allowed to take by then. */
  collected = 0;
  /** Blobs of a manifest push that GC had taken (HEAD 404), uploaded again before the push. */
  uploadedAgain = 0;
  /** Manifest pushes refused MANIFEST_BLOB_UNKNOWN, pushed again once the blobs were back. */
  refused = 0;
  /**
   * Refusals that came less than a delay after every blob of the push was last confirmed (by its
   * upload or a HEAD 200): docs/gc.md promises a client that whole delay.
   */
  readonly refusedEarly: string[] = [];
  /** Acknowledged content found gone while it had to be there: each one a lost push. */
  readonly losses: string[] = [];
}

/** Everything acknowledged during a soak, and any content that came back different. */
export class Ledger {
  readonly blobs: AcknowledgedBlob[] = [];
  readonly manifests: AcknowledgedManifest[] = [];
  /** `<repository>:<tag>` to the digest of the last manifest acknowledged under it. */
  readonly tags = new Map<string, string>();
  readonly mismatches: string[] = [];
  readonly gc = new GcSightings();

  /** `startedAt` (epoch ms) is what the times in the lines of `gc` count from. */
  constructor(readonly startedAt = Date.now()) {}

  /** A time as the soak's log shows it. */
  soakTime(at: number): string {
    return `${((at - this.startedAt) / 1000).toFixed(1)} s`;
  }
}

/** What one request got; status 0 when no answer came (connection error or timeout). */
interface Answer {
  status: number;
  code?: string;
  headers?: Headers;
  body: Buffer;
  /** The process it went to, when there was one. */
  target?: string;
  /** When the request was sent and when its answer (or its failure) was all in, epoch ms. */
  sentAt: number;
  answeredAt: number;
}

/**
 * One client of the soak: pushes (whole and chunked) and pulls against a round-robin client,
 * retrying each operation as a registry client would until it succeeds or its budget runs out.
 * With `gc`, it also does what a client of a collecting registry does: checks that a layer it
 * reuses is still there and uploads it again if not, pushes a manifest again after uploading
 * what a refusal said was missing, and takes a 404 for what GC was allowed to take as an answer.
 */
export class SoakClient {
  constructor(
    private readonly client: RoundRobinClient,
    private readonly stats: SoakStats,
    private readonly ledger: Ledger,
    private readonly repository: string,
    private readonly gc?: GcRules,
  ) {}

  /** Runs random operations until `until` (epoch ms). */
  async run(until: number): Promise<void> {
    while (Date.now() < until) {
      const roll = randomInt(100);
      if (roll < 25) await this.operation('push whole', () => this.pushWhole(randomSize()));
      else if (roll < 50) await this.operation('push chunked', () => this.pushChunked(randomSize()));
      else if (roll < 65) await this.operation('push manifest', () => this.pushManifest());
      else if (roll < 85) await this.operation('pull blob', () => this.pullBlob());
      else await this.operation('pull manifest', () => this.pullManifest());
    }
  }

  private async operation(name: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
      this.stats.operation(name, true);
    } catch (error) {
      this.stats.operation(name, false);
      process.stderr.write(`${name} given up: ${(error as Error).message}\n`);
    }
  }

  private async pushWhole(size: number): Promise<AcknowledgedBlob> {
    const seed = newSeed();
    const data = seededBytes(seed, size);
    const digest = sha256(data);
    const acknowledgedAt = await this.uploadWhole(digest, data);
    return this.acknowledge({ repository: this.repository, digest, seed, size, acknowledgedAt });
  }

  /** Uploads a blob in one request until acknowledged; returns when the acknowledged request was sent. */
  private async uploadWhole(digest: string, data: Buffer): Promise<number> {
    let acknowledgedAt = 0;
    await retrying('push whole', async () => {
      const answer = await this.send('POST', `/v2/${this.repository}/blobs/uploads/?digest=${digest}`, {
        body: data,
      });
      acknowledgedAt = answer.sentAt;
      return answer.status === 201 ? 'done' : 'retry';
    });
    return acknowledgedAt;
  }

  private async pushChunked(size: number): Promise<void> {
    const seed = newSeed();
    const data = seededBytes(seed, size);
    const digest = sha256(data);
    const chunkSize = randomInt(256 * 1024, 2 * MiB);
    let location: string | undefined;
    let offset = 0;
    let acknowledgedAt = 0;
    await retrying('push chunked', async () => {
      if (location === undefined) {
        const started = await this.send('POST', `/v2/${this.repository}/blobs/uploads/`);
        location = started.status === 202 ? (started.headers?.get('location') ?? undefined) : undefined;
        offset = 0;
        return location === undefined ? 'retry' : 'next';
      }
      if (offset < data.length) {
        const end = Math.min(offset + chunkSize, data.length);
        const sent = await this.send('PATCH', location, {
          body: data.subarray(offset, end),
          headers: { 'Content-Range': `${offset}-${end - 1}` },
        });
        if (sent.status === 202) {
          offset = resumeOffset(sent.headers?.get('range') ?? null);
          return 'next';
        }
        // 416: out of order, or the upload is busy (a killed process's lock): resume where it stands.
        if (sent.status === 416) offset = resumeOffset(sent.headers?.get('range') ?? null);
        else if (sent.code === 'BLOB_UPLOAD_UNKNOWN') location = undefined;
        else offset = await this.uploadOffset(location, offset);
        return 'retry';
      }
      const done = await this.send('PUT', `${location}?digest=${digest}`);
      acknowledgedAt = done.sentAt;
      if (done.status === 201) return 'done';
      if (done.code === 'BLOB_UPLOAD_UNKNOWN') {
        // The completion may have succeeded with its answer lost; else the upload starts over.
        // A HEAD that finds the blob postpones its review as the upload did.
        const found = await this.send('HEAD', `/v2/${this.repository}/blobs/${digest}`);
        acknowledgedAt = found.sentAt;
        if (found.status === 200) return 'done';
        location = undefined;
      }
      return 'retry';
    });
    this.acknowledge({ repository: this.repository, digest, seed, size, acknowledgedAt });
  }

  /** Where an upload stands after an answer that did not say; keeps `fallback` when no one answers. */
  private async uploadOffset(location: string, fallback: number): Promise<number> {
    const status = await this.send('GET', location);
    return status.status === 204 ? resumeOffset(status.headers?.get('range') ?? null) : fallback;
  }

  private async pushManifest(): Promise<void> {
    const config = await this.pushWhole(randomInt(100, 2000));
    const own = this.ledger.blobs.filter((blob) => blob.repository === this.repository && blob !== config);
    const layers = own.length > 0 ? [own[randomInt(own.length)] as AcknowledgedBlob] : [];
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size },
        layers: layers.map((layer) => ({ mediaType: OCI_LAYER, digest: layer.digest, size: layer.size })),
      }),
    );
    const tag = `t${randomInt(3)}`;
    const blobs = [config, ...layers];
    // When the registry last answered that each blob is in the repository (upload or HEAD).
    const confirmed = new Map<AcknowledgedBlob, number>([[config, config.acknowledgedAt]]);
    if (this.gc) for (const layer of layers) confirmed.set(layer, await this.confirm(layer));
    const replaced = this.ledger.tags.get(`${this.repository}:${tag}`);
    const untaggedFrom = Date.now();
    for (const manifest of this.ledger.manifests) {
      if (manifest.repository === this.repository && manifest.digest === replaced)
        manifest.untaggedFrom ??= untaggedFrom;
    }
    await retrying('push manifest', async () => {
      const answer = await this.send('PUT', `/v2/${this.repository}/manifests/${tag}`, {
        body: bytes,
        headers: { 'Content-Type': OCI_MANIFEST },
      });
      if (answer.status === 201) return 'done';
      if (this.gc && answer.code === 'MANIFEST_BLOB_UNKNOWN') {
        this.refused(`${this.repository}:${tag}`, answer, Math.min(...confirmed.values()));
        for (const blob of blobs) confirmed.set(blob, await this.confirm(blob));
      }
      return 'retry';
    });
    const digest = sha256(bytes);
    this.ledger.manifests.push({ repository: this.repository, digest, bytes, tag, blobs });
    this.ledger.tags.set(`${this.repository}:${tag}`, digest);
  }

  /**
   * Checks (HEAD) that a blob is still in the repository, uploading it again if GC took it, as a
   * client pushing an image does; returns when the answer that confirmed it was asked for.
   */
  private async confirm(blob: AcknowledgedBlob): Promise<number> {
    const gc = this.gc as GcRules;
    let confirmedAt = 0;
    let gone = false;
    await retrying('check blob', async () => {
      const answer = await this.send('HEAD', `/v2/${blob.repository}/blobs/${blob.digest}`);
      confirmedAt = answer.sentAt;
      if (answer.status === 404) {
        if (gc.blobMustSurvive(this.ledger, blob, answer.answeredAt))
          this.lost(`blob ${blob.repository}@${blob.digest} (HEAD)`, answer, this.blobAge(blob, answer));
        gone = true;
        return 'done';
      }
      return answer.status === 200 ? 'done' : 'retry';
    });
    if (!gone) return confirmedAt;
    this.ledger.gc.uploadedAgain++;
    blob.acknowledgedAt = await this.uploadWhole(blob.digest, seededBytes(blob.seed, blob.size));
    return blob.acknowledgedAt;
  }

  private refused(reference: string, answer: Answer, confirmedAt: number): void {
    const gc = this.ledger.gc;
    gc.refused++;
    if ((this.gc as GcRules).within(confirmedAt, answer.answeredAt)) {
      gc.refusedEarly.push(
        `manifest push to ${reference} refused MANIFEST_BLOB_UNKNOWN by ${portOf(answer)} at ` +
          `${this.ledger.soakTime(answer.answeredAt)}, ${answer.answeredAt - confirmedAt} ms after its ` +
          `blobs were last confirmed`,
      );
    }
  }

  /** Records acknowledged content found gone while it had to be there. */
  private lost(what: string, answer: Answer, detail: string): void {
    this.ledger.gc.losses.push(
      `${what}: ${answer.status}${answer.code ? ` ${answer.code}` : ''} from ${portOf(answer)}, asked at ` +
        `${this.ledger.soakTime(answer.sentAt)}, answered at ${this.ledger.soakTime(answer.answeredAt)}; ${detail}`,
    );
  }

  private blobAge(blob: AcknowledgedBlob, answer: Answer): string {
    const referencing = this.ledger.manifests.filter((manifest) => manifest.blobs.includes(blob));
    return (
      `acknowledged ${answer.sentAt - blob.acknowledgedAt} ms before it was asked for, referenced by ` +
      `${referencing.length === 0 ? 'no manifest' : referencing.map((manifest) => `${manifest.digest} (${manifest.tag})`).join(', ')}`
    );
  }

  /**
   * With GC, whether a 404 to a pull ends it: what was taken, or lost, cannot be pulled again.
   * `mustSurvive` is asked only then.
   */
  private gone(what: string, answer: Answer, mustSurvive: () => boolean, detail: () => string): boolean {
    if (!this.gc || answer.status !== 404) return false;
    if (mustSurvive()) this.lost(what, answer, detail());
    else this.ledger.gc.collected++;
    return true;
  }

  private async pullBlob(): Promise<void> {
    const blob = pick(this.ledger.blobs);
    if (!blob) return;
    await retrying('pull blob', async () => {
      const answer = await this.send('GET', `/v2/${blob.repository}/blobs/${blob.digest}`, { follow: true });
      const mustSurvive = () => this.gc?.blobMustSurvive(this.ledger, blob, answer.answeredAt) ?? true;
      if (
        this.gone(`blob ${blob.repository}@${blob.digest}`, answer, mustSurvive, () =>
          this.blobAge(blob, answer),
        )
      )
        return 'done';
      if (answer.status !== 200) return 'retry';
      if (!answer.body.equals(seededBytes(blob.seed, blob.size)))
        this.ledger.mismatches.push(`blob ${blob.digest}`);
      return 'done';
    });
  }

  private async pullManifest(): Promise<void> {
    const manifest = pick(this.ledger.manifests);
    if (!manifest) return;
    await retrying('pull manifest', async () => {
      const answer = await this.send('GET', `/v2/${manifest.repository}/manifests/${manifest.digest}`, {
        headers: { Accept: OCI_MANIFEST },
      });
      const mustSurvive = () => this.gc?.manifestMustSurvive(manifest, answer.answeredAt) ?? true;
      const detail = () =>
        manifest.untaggedFrom === undefined
          ? `still tagged ${manifest.tag}`
          : `a push moving its tag ${manifest.tag} away began ${answer.sentAt - manifest.untaggedFrom} ms before it was asked for`;
      if (this.gone(`manifest ${manifest.repository}@${manifest.digest}`, answer, mustSurvive, detail))
        return 'done';
      if (answer.status !== 200) return 'retry';
      if (!answer.body.equals(manifest.bytes)) this.ledger.mismatches.push(`manifest ${manifest.digest}`);
      return 'done';
    });
  }

  private acknowledge(blob: AcknowledgedBlob): AcknowledgedBlob {
    this.ledger.blobs.push(blob);
    return blob;
  }

  /** Sends one request to the next process, reads the whole answer and records it. */
  private async send(
    method: string,
    path: string,
    init: { body?: Buffer; headers?: Record<string, string>; follow?: boolean } = {},
  ): Promise<Answer> {
    const started = Date.now();
    if (!this.client.hasTarget()) {
      // Every process is restarting (a cluster of one): what a load balancer answers then.
      this.stats.request(method, 'no process ready', 0);
      return { status: 0, body: Buffer.alloc(0), sentAt: started, answeredAt: started };
    }
    let answer: Answer;
    let outcome: string;
    let target: string | undefined;
    try {
      target = this.client.nextTarget();
      const res = await fetch(new URL(path, target), {
        method,
        redirect: init.follow ? 'follow' : 'manual',
        headers: { 'Content-Type': 'application/octet-stream', ...init.headers },
        ...(init.body ? { body: init.body } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = Buffer.from(await res.arrayBuffer());
      const code = res.status >= 400 ? errorCodeIn(body.toString('utf8')) : undefined;
      answer = {
        status: res.status,
        headers: res.headers,
        body,
        ...(code ? { code } : {}),
        target,
        sentAt: started,
        answeredAt: Date.now(),
      };
      outcome = code ? `${res.status} ${code}` : String(res.status);
    } catch (error) {
      answer = {
        status: 0,
        body: Buffer.alloc(0),
        ...(target !== undefined ? { target } : {}),
        sentAt: started,
        answeredAt: Date.now(),
      };
      const { name, cause } = error as { name: string; cause?: { code?: string } };
      outcome = name === 'TimeoutError' ? 'timeout' : `network ${cause?.code ?? name}`;
    }
    this.stats.request(method, outcome, Date.now() - started);
    return answer;
  }
}

/** What a step of an operation achieved: all of it, progress to build on at once, or nothing yet. */
type Step = 'done' | 'next' | 'retry';

/** Runs `step` until it is done, pausing after a step that failed; throws once the budget is spent. */
async function retrying(name: string, step: () => Promise<Step>): Promise<void> {
  const deadline = Date.now() + OPERATION_BUDGET_MS;
  for (;;) {
    const outcome = await step();
    if (outcome === 'done') return;
    if (Date.now() > deadline) throw new Error(`${name}: not done within ${OPERATION_BUDGET_MS} ms`);
    if (outcome === 'retry') await sleep(RETRY_PAUSE_MS);
  }
}

/** Random blob sizes up to 4 MiB, most of them small, as layers are. */
function randomSize(): number {
  return randomInt(0, 100) < 70 ? randomInt(1, 512 * 1024) : randomInt(512 * 1024, 4 * MiB);
}

/** The process an answer came from, as the soak's log names it. */
function portOf(answer: Answer): string {
  return answer.target === undefined ? 'no process' : `:${new URL(answer.target).port}`;
}

function pick<T>(items: T[]): T | undefined {
  return items.length === 0 ? undefined : items[randomInt(items.length)];
}
