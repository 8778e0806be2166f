import type { ScenarioContext } from '../scenario';
import { startBerth, type BerthTarget } from '../targets/berth';
import { lastLoggedError } from '../targets/registry-log';
import { message } from '../util/format';

/** The garbage collection settings a deployment starts with (gc.* in Berth's configuration). */
export interface GcSettings {
  reviewDelaySeconds: number;
  reviewJitterSeconds: number;
  /** How often each process collects. */
  intervalSeconds: number;
}

/** How often every process collects where a scenario wants GC at work all the time, as the GC race tests do. */
const SHORT_INTERVAL_SECONDS = 0.2;

/** Every review due the moment it is queued, and every process collecting all the time. */
export const EAGER_GC: GcSettings = {
  reviewDelaySeconds: 0,
  reviewJitterSeconds: 0,
  intervalSeconds: SHORT_INTERVAL_SECONDS,
};

/** What Berth ships with: reviews wait a day (and up to an hour), each process collects every minute. */
export const SHIPPED_GC: GcSettings = {
  reviewDelaySeconds: 86_400,
  reviewJitterSeconds: 3_600,
  intervalSeconds: 60,
};

/** The shipped delay, with every process collecting all the time. */
export const BUSY_SHIPPED_GC: GcSettings = { ...SHIPPED_GC, intervalSeconds: SHORT_INTERVAL_SECONDS };

/** A GC deployment: Berth on the filesystem, whose store's root is known. */
export interface GcDeployment extends BerthTarget {
  readonly blobRoot: string;
}

/**
 * Runs `work` on a Berth deployment of a GC scenario's own, configured as berth-fs is (filesystem
 * blobs, PostgreSQL, Redis, as many processes) but for `gc`, and stops it afterwards. Of its own
 * because the review delay belongs to a whole deployment (it is kept in its database): set to 0
 * on the shared target, it would collect what other scenarios leave unreferenced (the large blob
 * the pull scenario reads); and a reclaim is over when an object folder that holds nothing else is
 * empty. A failure says what the deployment last logged, as failures on the targets do.
 */
export async function withGcDeployment<T>(
  context: ScenarioContext,
  gc: GcSettings,
  work: (deployment: GcDeployment) => Promise<T>,
): Promise<T> {
  const target = await startBerth({
    storage: 'fs',
    workers: context.berth.workers,
    ...(context.berth.cpuProfileDir ? { cpuProfileDir: context.berth.cpuProfileDir } : {}),
    env: {
      BERTH_GC_REVIEW_DELAY_SECONDS: String(gc.reviewDelaySeconds),
      BERTH_GC_REVIEW_JITTER_SECONDS: String(gc.reviewJitterSeconds),
      BERTH_GC_INTERVAL_SECONDS: String(gc.intervalSeconds),
    },
  });
  try {
    if (target.blobRoot === undefined) throw new Error('a GC deployment needs filesystem blobs');
    return await work({ ...target, blobRoot: target.blobRoot });
  } catch (error) {
    const logged = lastLoggedError(target.log()) ?? lastWarning(target.log());
    throw logged ? new Error(`${message(error)} — GC deployment log: ${logged}`, { cause: error }) : error;
  } finally {
    await target.stop();
  }
}

/** Berth logs answers it gives as 503 (a backend past its deadline) at level warn. */
function lastWarning(log: string): string | undefined {
  const line = log
    .split('\n')
    .findLast((candidate) => candidate.includes('"level":40') && !candidate.includes('auth is off'));
  return line?.slice(0, 400);
}
