import { setTimeout as sleep } from 'node:timers/promises';
import { startPostgresServer } from '@berth/testing/postgres-server';
import { startRestartableS3rver } from '@berth/testing/restartable-s3rver';
import type { BerthProcess } from '../support/berth-process';
import {
  blockReviews,
  deletingNow,
  eventually,
  expectIntact,
  gcRunsEnded,
  keepPushing,
  keptRecords,
  pushBacklog,
  recorded,
  rowsLeft,
  settled,
  smallBlob,
  sumOf,
  sweepOrphans,
  useGcFaultCluster,
  type Backlog,
  type BacklogShape,
  type DeleteGate,
  type GcFaultCluster,
  type KeptImage,
} from '../support/gc-backlog';
import { OciClient } from '../support/oci-client';
import { Scrape } from '../support/prometheus';
import { auditStorage, leftovers } from '../support/storage-audit';
import { reportTiming } from '../support/timings';

// About 1,400 unreachable blobs: the kills land within a few seconds of GC's start, with most of
// them still to reclaim, and what is left outlasts the restart, for the restarted process to take
// its share; more would only lengthen the pushes and the reclaim.
const SHAPE: BacklogShape = {
  repositories: 3,
  keptPerRepository: 4,
  unreferenced: 700,
  deletedImages: 75,
  deletedBlobs: 475,
};
// About 850: enough that the halt lands with most of them still to reclaim. s3rver pages a listing
// with a DES-encrypted token, which Node 24's OpenSSL refuses: its bucket must stay within one page
// (1,000 keys) for the audit and the sweep to list it.
const S3RVER_SHAPE: BacklogShape = {
  repositories: 3,
  keptPerRepository: 4,
  unreferenced: 400,
  deletedImages: 50,
  deletedBlobs: 300,
};
// About 600: GC reclaims nothing while its reviews wait on the block each stop lands under, so the
// backlog only has to outlast GC's start, and the moment between the restart and the second block.
const PG_SHAPE: BacklogShape = {
  repositories: 3,
  keptPerRepository: 4,
  unreferenced: 300,
  deletedImages: 35,
  deletedBlobs: 200,
};
// The harsher first: a crash cuts each connection off with no error for the statement under way;
// a fast shutdown answers that statement with an error of the server's before closing.
const STOP_MODES = ['immediate', 'fast'] as const;
const DOWN_MS = 4_000;
const SETTLE_MS = 45_000;
const RECLAIMED = 'berth_gc_blobs_reclaimed_total';
const DELETE_FAILURES = 'berth_gc_object_delete_failures_total';
const NOTHING_LEFT = { links: 0, blobs: 0, reviews: 0 };
const GC_FAILED = { worker: 'gc', outcome: 'failed' };

/** Pushes the backlog through the API pod and checks that storage starts out clean and whole. */
async function loadBacklog(
  state: GcFaultCluster<unknown>,
  label: string,
  shape: BacklogShape,
): Promise<Backlog> {
  const started = Date.now();
  const backlog = await pushBacklog(new OciClient(state.api.url), shape);
  reportTiming(`${label}: ${backlog.doomed.size} unreachable blobs pushed`, Date.now() - started);
  expect(leftovers(await auditStorage(state.cluster.backends))).toEqual([]);
  expect(await rowsLeft(state.cluster.backends, backlog.doomed)).toBe(backlog.doomed.size);
  return backlog;
}

/**
 * GC has reviewed everything; the kept images pull intact from every running process; the
 * database holds exactly what they need; and once the orphan sweep has run, storage holds exactly
 * the objects the rows name. Returns the keys of the orphans the sweep deleted.
 */
async function expectAllReclaimed(state: GcFaultCluster<unknown>, kept: KeptImage[]): Promise<string[]> {
  const { backends } = state.cluster;
  expect(await settled(backends, SETTLE_MS)).toEqual(NOTHING_LEFT);
  await gcRunsEnded(state.collectors, SETTLE_MS);
  for (const pod of state.cluster.processes.filter((p) => p.running)) {
    await expectIntact(new OciClient(pod.url), kept);
  }
  const expected = keptRecords(kept);
  expect(await recorded(backends)).toEqual(expected);

  // A row never outlives its object; an object may outlive its row, for the sweep.
  const before = await auditStorage(backends);
  expect(before.rowsWithoutObject).toEqual([]);
  const swept = await sweepOrphans(backends);
  expect(swept).toEqual([...before.orphanedObjects].sort());
  const after = await auditStorage(backends);
  expect(leftovers(after)).toEqual([]);
  expect(after.objects).toHaveLength(expected.blobs.length);
  // An error that escaped every handler is logged, and counted by the process that still runs.
  expect(await state.cluster.internalErrors()).toEqual([]);
  expect(await sumOf(state.cluster.processes, 'berth_escaped_errors_total')).toBe(0);
  return swept;
}

async function valueOn(
  pod: BerthProcess,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  return (await Scrape.of(pod.url)).value(name, labels);
}

describe('collectors SIGKILLed in the middle of GC deletes', () => {
  const fixture = useGcFaultCluster({ collectors: 3, gateDeletes: true });

  it('loses nothing acknowledged, and the survivor and a restarted process reclaim the whole backlog', async () => {
    const state = fixture();
    const { api, collectors, cluster, gates } = state;
    const backlog = await loadBacklog(state, 'SIGKILL mid-GC', SHAPE);
    const [survivor, ...victims] = collectors as [BerthProcess, ...BerthProcess[]];

    // A client keeps pushing through the kills, sharing a base layer with images GC must delete.
    const stopPushing = new AbortController();
    const live = keepPushing(
      new OciClient(api.url),
      backlog.repositories[0] as string,
      backlog.kept[0]?.blobs[1] as Buffer,
      stopPushing.signal,
    );
    const startedAt = Date.now();
    await Promise.all(collectors.map((collector) => collector.start()));
    const unfinished: string[][] = [];
    for (const [i, victim] of victims.entries()) {
      const gate = gates[i + 1] as DeleteGate;
      await gate.holdDeletes(30_000);
      // A batch's deletes go out together: let the rest of this one reach the gate.
      await sleep(100);
      await victim.kill();
      gate.passDeletes();
      // Each victim died with deletes of rows it had committed still to do.
      unfinished.push(
        await eventually(
          `deletes cut off by the kill of process ${i + 1}`,
          async () => (gate.dropped.length > 0 ? [...gate.dropped] : undefined),
          5_000,
        ),
      );
    }
    const killedAt = Date.now();
    const survivorAtKill = await valueOn(survivor, RECLAIMED);
    const leftAtKill = await rowsLeft(cluster.backends, backlog.doomed);
    reportTiming(
      `SIGKILL mid-GC: ${victims.length} collectors killed with ${leftAtKill} of ${backlog.doomed.size} unreachable blobs left`,
      killedAt - startedAt,
    );
    expect(leftAtKill).toBeGreaterThan(0);

    const restarted = victims[0] as BerthProcess;
    await restarted.start();
    await sleep(1_000);
    stopPushing.abort();
    const pushed = await live;
    expect(pushed.acknowledged.length).toBeGreaterThan(0);

    const kept = [...backlog.kept, ...pushed.acknowledged];
    const swept = await expectAllReclaimed(state, kept);
    // Every delete the kills cut off left an orphan, which the sweep reclaimed.
    expect(swept).toEqual(expect.arrayContaining(unfinished.flat()));
    // GC went on after the kills, on the process that was left.
    const survivorAfter = (await valueOn(survivor, RECLAIMED)) - survivorAtKill;
    expect(survivorAfter).toBeGreaterThan(0);
    reportTiming(
      `SIGKILL mid-GC: backlog reclaimed (survivor ${survivorAfter}, restarted ${await valueOn(restarted, RECLAIMED)} after the kills; ${unfinished.flat().length} deletes cut off, ${swept.length} orphans swept; ${pushed.acknowledged.length} pushes acknowledged, ${pushed.refused} refused and pushed again)`,
      Date.now() - killedAt,
    );
  }, 150_000);
});

describe('the S3 endpoint stopped while GC deletes objects', () => {
  const fixture = useGcFaultCluster({
    collectors: 2,
    backend: {
      start: (port) => startRestartableS3rver({ port }),
      choice: (s3) => ({ s3 }),
      stop: (s3) => s3.stop(),
    },
  });

  it('leaves the objects it could not delete to the orphan sweep, which reclaims them once S3 is back', async () => {
    const state = fixture();
    const { backend: s3, api, collectors, cluster } = state;
    const { backends } = cluster;
    const backlog = await loadBacklog(state, 'S3 down mid-GC', S3RVER_SHAPE);

    const startedAt = Date.now();
    await Promise.all(collectors.map((collector) => collector.start()));
    await deletingNow(collectors[0] as BerthProcess, 30_000);
    expect(await sumOf(collectors, DELETE_FAILURES)).toBe(0);
    await s3.halt();
    const haltedAt = Date.now();
    const leftAtHalt = await rowsLeft(backends, backlog.doomed);
    reportTiming(
      `S3 down mid-GC: halted with ${leftAtHalt} of ${backlog.doomed.size} unreachable blobs left`,
      haltedAt - startedAt,
    );
    expect(leftAtHalt).toBeGreaterThan(0);

    // Rows still go while their objects cannot: each such delete is counted.
    await eventually(
      'failed object deletes counted',
      async () => ((await sumOf(collectors, DELETE_FAILURES)) > 0 ? true : undefined),
      DOWN_MS * 2,
    );
    await sleep(Math.max(0, haltedAt + DOWN_MS - Date.now()));
    expect(collectors.map((collector) => collector.running)).toEqual(collectors.map(() => true));
    const rowsGoneWhileDown = leftAtHalt - (await rowsLeft(backends, backlog.doomed));
    expect(rowsGoneWhileDown).toBeGreaterThan(0);

    await s3.resume();
    const resumedAt = Date.now();
    await Promise.all(cluster.processes.map((pod) => pod.waitUntilReady()));
    expect(await settled(backends, SETTLE_MS)).toEqual(NOTHING_LEFT);
    await gcRunsEnded(collectors, SETTLE_MS);
    const failures = await sumOf(collectors, DELETE_FAILURES);
    // A failed delete leaves an orphan, unless S3 had done it before the connection went.
    const orphans = (await auditStorage(backends)).orphanedObjects;
    expect(orphans.length).toBeGreaterThan(0);
    expect(orphans.length).toBeLessThanOrEqual(failures);

    // With S3 back, GC deletes objects itself again: what becomes unreachable now leaves no orphan.
    const client = new OciClient(api.url);
    for (let i = 0; i < 50; i++) await client.pushBlob(backlog.repositories[i % 3] as string, smallBlob());
    expect(await settled(backends, SETTLE_MS)).toEqual(NOTHING_LEFT);
    await gcRunsEnded(collectors, SETTLE_MS);
    expect(await sumOf(collectors, DELETE_FAILURES)).toBe(failures);
    expect((await auditStorage(backends)).orphanedObjects.sort()).toEqual([...orphans].sort());

    const swept = await expectAllReclaimed(state, backlog.kept);
    expect(swept).toEqual([...orphans].sort());
    reportTiming(
      `S3 down mid-GC: ${rowsGoneWhileDown} rows reclaimed while down, ${failures} object deletes failed, ${swept.length} orphans swept once back`,
      Date.now() - resumedAt,
    );
  }, 150_000);
});

describe('PostgreSQL stopped while GC reviews', () => {
  const fixture = useGcFaultCluster({
    collectors: 2,
    backend: {
      start: (port) => startPostgresServer({ port }),
      choice: (postgres) => ({ postgresUrl: postgres.url }),
      stop: (postgres) => postgres.destroy(),
    },
  });

  it('cuts off connections that transactions hold without an escaped error, and resumes to reclaim the whole backlog', async () => {
    const state = fixture();
    const { backend: postgres, collectors, cluster, applicationNames } = state;
    const { backends } = cluster;
    const backlog = await loadBacklog(state, 'PostgreSQL down mid-GC', PG_SHAPE);

    const startedAt = Date.now();
    await Promise.all(collectors.map((collector) => collector.start()));
    await deletingNow(collectors[0] as BerthProcess, 30_000);
    let restartedAt = startedAt;
    let reclaimedWhileDown = 0;
    for (const mode of STOP_MODES) {
      // Each collector is in the middle of a transaction when the server goes, on a connection
      // taken from its pool, which the pool no longer listens on: the connection's end must fail
      // the transaction, not escape every handler. The second time, right after the restart,
      // while GC has its backlog still.
      const block = await blockReviews(backends, applicationNames, 10_000);
      await Promise.all(cluster.processes.map((pod) => pod.waitUntilReady()));
      const leftAtStop = await rowsLeft(backends, backlog.doomed);
      const failedBefore = await Promise.all(
        collectors.map((c) => valueOn(c, 'berth_worker_runs_total', GC_FAILED)),
      );
      await postgres.stop(mode);
      const stoppedAt = Date.now();
      await block.release();
      reportTiming(
        `PostgreSQL down mid-GC (${mode}): stopped with ${leftAtStop} of ${backlog.doomed.size} unreachable blobs left`,
        stoppedAt - restartedAt,
      );
      expect(leftAtStop).toBeGreaterThan(0);

      // Every collector's runs fail, and are counted, while it keeps running.
      await eventually(
        `every collector counting failed GC runs (${mode})`,
        async () => {
          const failed = await Promise.all(
            collectors.map((c) => valueOn(c, 'berth_worker_runs_total', GC_FAILED)),
          );
          return failed.every((count, i) => count > (failedBefore[i] as number)) ? failed : undefined;
        },
        DOWN_MS * 2,
      );
      await sleep(Math.max(0, stoppedAt + DOWN_MS - Date.now()));
      expect(collectors.map((collector) => collector.running)).toEqual(collectors.map(() => true));
      reclaimedWhileDown = await sumOf(collectors, RECLAIMED);

      await postgres.start();
      restartedAt = Date.now();
    }
    await Promise.all(cluster.processes.map((pod) => pod.waitUntilReady()));

    const swept = await expectAllReclaimed(state, backlog.kept);
    // Each collector ran GC to the end after the restart, without being restarted itself.
    expect(await sumOf(collectors, RECLAIMED)).toBeGreaterThan(reclaimedWhileDown);
    for (const collector of collectors) {
      const lastSuccess = await valueOn(collector, 'berth_worker_last_success_timestamp_seconds', {
        worker: 'gc',
      });
      expect(lastSuccess * 1000).toBeGreaterThan(restartedAt);
      expect(collector.running).toBe(true);
    }
    reportTiming(
      `PostgreSQL down mid-GC: backlog reclaimed after the last restart (${await sumOf(collectors, 'berth_worker_runs_total', GC_FAILED)} failed GC runs, ${swept.length} orphans swept)`,
      Date.now() - restartedAt,
    );
  }, 150_000);
});
