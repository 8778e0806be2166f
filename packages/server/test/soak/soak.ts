/*
 * A bounded soak: several registry processes on shared backends, clients pushing and pulling across
 * them while one process after another is killed (SIGKILL) or stopped (SIGTERM) and started again,
 * then everything acknowledged is pulled back and compared byte for byte.
 *
 *   npm run soak -- --duration 60 --processes 3 --restart-every 5 --clients 4
 *
 * Needs what the tests need (PostgreSQL, Redis, Ceph RGW or BERTH_TEST_S3=s3rver); exits 1 when
 * anything acknowledged was lost or changed, an operation was given up, or a request got a 500.
 *
 * With --gc, every process collects garbage all along with a review delay of seconds (gc-rules.ts),
 * and --gc-untagged collects untagged manifests too. What the rules let GC take (a blob no
 * manifest that stays references, once the delay after its upload has passed; with
 * --gc-untagged, a manifest a delay after its tag moved) may be gone; everything else must pull
 * back intact from every process once GC has worked off its queues, and no blob row may have lost
 * its object.
 */
import { parseArgs } from 'node:util';
import { startProcessCluster, type ProcessCluster } from '../support/process-cluster';
import { auditStorage } from '../support/storage-audit';
import { checkAcknowledged } from './final-check';
import { checkWithGc, type Tally } from './gc-check';
import { GC_REVIEW_DELAY_SECONDS, GcRules } from './gc-rules';
import { churnProcesses, type Restart } from './process-churn';
import { Ledger, SoakClient } from './soak-client';
import { SoakStats } from './soak-stats';

interface Settings {
  durationSeconds: number;
  processes: number;
  restartEverySeconds: number;
  clients: number;
  /** Unset: the processes collect as by default, a day after a change, which no soak reaches. */
  gc: GcRules | undefined;
}

function readSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '60' },
      processes: { type: 'string', default: '3' },
      'restart-every': { type: 'string', default: '5' },
      clients: { type: 'string', default: '4' },
      gc: { type: 'boolean', default: false },
      'gc-untagged': { type: 'boolean', default: false },
    },
  });
  const positive = (name: string, value: string): number => {
    const number = Number(value);
    if (!Number.isFinite(number) || number <= 0) throw new Error(`--${name} must be a positive number`);
    return number;
  };
  return {
    durationSeconds: positive('duration', values.duration),
    processes: Math.round(positive('processes', values.processes)),
    restartEverySeconds: positive('restart-every', values['restart-every']),
    clients: Math.round(positive('clients', values.clients)),
    gc: values.gc || values['gc-untagged'] ? new GcRules(values['gc-untagged']) : undefined,
  };
}

const started = Date.now();
const say = (line: string): void => {
  process.stdout.write(`[soak ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
};

function describeRestarts(restarts: Restart[]): string {
  const downs = restarts.map((restart) => restart.downMs).sort((a, b) => a - b);
  const bySignal = (signal: Restart['signal']) =>
    restarts.filter((restart) => restart.signal === signal).length;
  const median = downs[Math.floor(downs.length / 2)] ?? 0;
  return (
    `restarts: ${restarts.length} (SIGKILL ${bySignal('SIGKILL')}, SIGTERM ${bySignal('SIGTERM')}); ` +
    `signal to ready: median ${median} ms, max ${downs.at(-1) ?? 0} ms`
  );
}

const MiB = 1024 * 1024;

async function soak(settings: Settings): Promise<boolean> {
  const { gc } = settings;
  say(
    `${settings.processes} processes, ${settings.clients} clients, ${settings.durationSeconds} s, ` +
      `a restart every ${settings.restartEverySeconds} s` +
      (gc
        ? `; GC on every process, review delay ${GC_REVIEW_DELAY_SECONDS} s` +
          `${gc.untaggedManifests ? ', untagged manifests too' : ''}`
        : ''),
  );
  const cluster = await startProcessCluster({
    processes: settings.processes,
    ...(gc ? { env: gc.env() } : {}),
  });
  try {
    say(
      `processes ready on ports ${cluster.processes.map((p) => p.port).join(', ')}; S3 is ${cluster.backends.s3.kind}`,
    );
    const stats = new SoakStats();
    const ledger = new Ledger(started);
    const until = Date.now() + settings.durationSeconds * 1000;
    const clients = Array.from(
      { length: settings.clients },
      (_, index) => new SoakClient(cluster.client(), stats, ledger, `soak/client-${index}`, gc),
    );
    const [restarts] = await Promise.all([
      churnProcesses(cluster, settings.restartEverySeconds * 1000, until, (restart) =>
        say(
          `${restart.signal} :${restart.port} -> exited ${restart.exit.signal ?? `with ${restart.exit.code}`}, ` +
            `ready again ${restart.downMs} ms after the signal`,
        ),
      ),
      ...clients.map((client) => client.run(until)),
    ]);
    if (gc) {
      say('load done; pulling back what must stay, waiting for GC to work off its queues');
      return await reportWithGc(cluster, stats, ledger, restarts, gc);
    }
    say('load done; pulling back everything acknowledged');

    const check = await checkAcknowledged(cluster.client(), ledger);
    const audit = await auditStorage(cluster.backends);
    const serverErrors = await cluster.internalErrors();
    const report = [
      ...stats.describe(),
      describeRestarts(restarts),
      `final check: ${check.blobs} blobs, ${check.manifests} manifests, ${check.tags} tags pulled back; ` +
        `${check.problems.length === 0 ? 'all identical' : `${check.problems.length} PROBLEMS`}`,
      ...check.problems.map((problem) => `  ${problem}`),
      `storage: ${audit.blobRows.length} blob rows, ${audit.objects.length} objects; ` +
        `${audit.rowsWithoutObject.length} rows without object; left by killed requests: ` +
        `${audit.orphanedObjects.length} objects without row (for a garbage collector), ` +
        `${audit.staged.length} staged and ${audit.incompleteUploads.length} multipart leftovers (for the janitor)`,
      `server-side 500s logged: ${serverErrors.length}`,
    ];
    process.stdout.write(`\n${report.join('\n')}\n`);
    return (
      check.problems.length === 0 &&
      audit.rowsWithoutObject.length === 0 &&
      stats.failedOperations === 0 &&
      stats.internalErrors === 0 &&
      serverErrors.length === 0
    );
  } finally {
    await cluster.stop();
  }
}

function describeTally(tally: Tally): string {
  return (
    `${tally.manifests} manifests (${tally.manifestsGone} gone) and ` +
    `${tally.blobs} blobs (${tally.blobsGone} gone)`
  );
}

async function reportWithGc(
  cluster: ProcessCluster,
  stats: SoakStats,
  ledger: Ledger,
  restarts: Restart[],
  gc: GcRules,
): Promise<boolean> {
  const check = await checkWithGc(cluster, ledger, gc);
  const serverErrors = await cluster.internalErrors();
  const seen = ledger.gc;
  const { audit, settled, reclaimed } = check;
  const report = [
    ...stats.describe(),
    describeRestarts(restarts),
    `gc during the load: ${seen.collected} pulls found gone what GC was allowed to take; ` +
      `${seen.refused} manifest pushes refused MANIFEST_BLOB_UNKNOWN; ` +
      `${seen.uploadedAgain} blobs uploaded again after a HEAD 404`,
    ...(seen.refusedEarly.length === 0
      ? []
      : [
          `SUSPICIOUS: ${seen.refusedEarly.length} refused less than the delay after their blobs were confirmed`,
          ...seen.refusedEarly.map((line) => `  ${line}`),
        ]),
    `final check: ${check.manifests} manifests that stay, the ${check.blobs} blobs they reference and ` +
      `${check.tags} tags pulled back from each of ${check.processes} processes after GC; ` +
      `${describeTally(check.timeBound)} still within their delay, pulled from each at once; ` +
      `${describeTally(check.mayGo)} that GC was allowed to take, pulled once; ` +
      `${check.problems.length === 0 ? 'all the rest identical' : `${check.problems.length} PROBLEMS`}`,
    ...check.problems.map((problem) => `  ${problem}`),
    settled.left
      ? `gc queues NOT worked off ${settled.ms} ms after the pull-back: ${settled.left.manifests} manifest, ` +
        `${settled.left.links} link and ${settled.left.blobs} blob reviews still queued`
      : `gc queues empty ${settled.ms} ms after the pull-back`,
    // Counters start again at 0 with each restart: what the processes' current lives reclaimed.
    `gc reclaimed since each process last started: ${reclaimed.blobs} blobs ` +
      `(${(reclaimed.bytes / MiB).toFixed(1)} MiB), ${reclaimed.links} links, ${reclaimed.manifests} manifests; ` +
      `${reclaimed.objectDeleteFailures} object delete failures; ${reclaimed.runs} gc runs ` +
      `(${reclaimed.failedRuns} failed, ${((reclaimed.runSeconds / Math.max(1, reclaimed.runs)) * 1000).toFixed(0)} ms on average)`,
    `blobs table: ${check.blobRows.loadEnd} rows when the load ended, ${check.blobRows.end} after GC; ` +
      `${check.acknowledgedGone.blobs} of ${check.acknowledgedGone.of} acknowledged blobs ` +
      `(${(check.acknowledgedGone.bytes / MiB).toFixed(1)} MiB) have no row any more`,
    `storage: ${audit.blobRows.length} blob rows, ${audit.objects.length} objects; ` +
      `${check.rowsWithoutObject.length} rows without object; left by killed processes: ` +
      `${audit.orphanedObjects.length} objects without row (for the orphan sweep, which deletes one seen ` +
      `unnamed twice ten minutes apart), ` +
      `${audit.staged.length} staged and ${audit.incompleteUploads.length} multipart leftovers (for the janitor)`,
    ...check.rowsWithoutObject.map((digest) => `  blob row without an object: ${digest}`),
    `server-side 500s logged: ${serverErrors.length}`,
  ];
  process.stdout.write(`\n${report.join('\n')}\n`);
  return (
    check.problems.length === 0 &&
    check.rowsWithoutObject.length === 0 &&
    settled.left === undefined &&
    stats.failedOperations === 0 &&
    stats.internalErrors === 0 &&
    serverErrors.length === 0
  );
}

soak(readSettings(process.argv.slice(2))).then(
  (passed) => {
    say(passed ? 'PASSED' : 'FAILED');
    process.exitCode = passed ? 0 : 1;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
