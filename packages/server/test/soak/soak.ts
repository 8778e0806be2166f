/*
 * A bounded soak: several registry processes on shared backends, clients pushing and pulling across
 * them while one process after another is killed (SIGKILL) or stopped (SIGTERM) and started again,
 * then everything acknowledged is pulled back and compared byte for byte.
 *
 *   npm run soak -- --duration 60 --processes 3 --restart-every 5 --clients 4
 *
 * Needs what the tests need (PostgreSQL, Redis, Ceph RGW or BERTH_TEST_S3=s3rver); exits 1 when
 * anything acknowledged was lost or changed, an operation was given up, or a request got a 500.
 */
import { parseArgs } from 'node:util';
import { startProcessCluster } from '../support/process-cluster';
import { auditStorage } from '../support/storage-audit';
import { checkAcknowledged } from './final-check';
import { churnProcesses, type Restart } from './process-churn';
import { Ledger, SoakClient } from './soak-client';
import { SoakStats } from './soak-stats';

interface Settings {
  durationSeconds: number;
  processes: number;
  restartEverySeconds: number;
  clients: number;
}

function readSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '60' },
      processes: { type: 'string', default: '3' },
      'restart-every': { type: 'string', default: '5' },
      clients: { type: 'string', default: '4' },
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

async function soak(settings: Settings): Promise<boolean> {
  say(
    `${settings.processes} processes, ${settings.clients} clients, ${settings.durationSeconds} s, ` +
      `a restart every ${settings.restartEverySeconds} s`,
  );
  const cluster = await startProcessCluster({ processes: settings.processes });
  try {
    say(
      `processes ready on ports ${cluster.processes.map((p) => p.port).join(', ')}; S3 is ${cluster.backends.s3.kind}`,
    );
    const stats = new SoakStats();
    const ledger = new Ledger();
    const until = Date.now() + settings.durationSeconds * 1000;
    const clients = Array.from(
      { length: settings.clients },
      (_, index) => new SoakClient(cluster.client(), stats, ledger, `soak/client-${index}`),
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
