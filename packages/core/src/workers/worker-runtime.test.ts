import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryCoordinator } from '@berth/coordinator';
import { PgliteDatabase, SqlMetadataStore } from '@berth/metadata-store';
import { EventPruner } from './event-pruner';
import type { RunOutcome, Worker, WorkerObserver } from './worker';
import { WorkerRuntime } from './worker-runtime';

/** A worker that counts its runs and does what `body` says. */
function countingWorker(
  name: string,
  options: { intervalMs?: number; exclusive?: boolean; body?: (signal: AbortSignal) => Promise<number> } = {},
): Worker & { runs: number } {
  const worker = {
    name,
    intervalMs: options.intervalMs ?? 0,
    exclusive: options.exclusive ?? true,
    runs: 0,
    async run(signal: AbortSignal) {
      worker.runs += 1;
      return options.body ? options.body(signal) : 1;
    },
  };
  return worker;
}

function recordingObserver(): WorkerObserver & {
  outcomes: [string, RunOutcome, number][];
  errors: unknown[];
} {
  const observer = {
    outcomes: [] as [string, RunOutcome, number][],
    errors: [] as unknown[],
    ran: (worker: string, outcome: RunOutcome, items: number) =>
      observer.outcomes.push([worker, outcome, items]),
    failed: (_worker: string, error: unknown) => observer.errors.push(error),
  };
  return observer;
}

describe('WorkerRuntime', () => {
  let coordinator: MemoryCoordinator;

  beforeEach(() => {
    coordinator = new MemoryCoordinator();
  });

  afterEach(() => coordinator.close());

  it('runs each started worker every interval, and none whose interval is 0', async () => {
    const often = countingWorker('often', { intervalMs: 20 });
    const never = countingWorker('never', { intervalMs: 0 });
    const runtime = new WorkerRuntime(coordinator, [often, never]);
    runtime.start();
    await sleep(250);
    await runtime.stop();
    expect(often.runs).toBeGreaterThanOrEqual(3);
    expect(never.runs).toBe(0);
    const runsAtStop = often.runs;
    await sleep(60);
    expect(often.runs).toBe(runsAtStop);
  });

  it('runs an exclusive worker on one process at a time, under a lease named after it', async () => {
    const observer = recordingObserver();
    const worker = countingWorker('janitor');
    const runtime = new WorkerRuntime(coordinator, [worker], observer);
    const elsewhere = await coordinator.acquireLock('worker:janitor', 10_000);
    expect(await runtime.runOnce('janitor')).toEqual({ outcome: 'busy', items: 0 });
    await coordinator.releaseLock(elsewhere!);
    expect(await runtime.runOnce('janitor')).toEqual({ outcome: 'done', items: 1 });
    expect(observer.outcomes).toEqual([
      ['janitor', 'busy', 0],
      ['janitor', 'done', 1],
    ]);
  });

  it('runs a worker that is not exclusive without a lease', async () => {
    const worker = countingWorker('claims', { exclusive: false });
    const runtime = new WorkerRuntime(coordinator, [worker]);
    const elsewhere = await coordinator.acquireLock('worker:claims', 10_000);
    expect(await runtime.runOnce('claims')).toEqual({ outcome: 'done', items: 1 });
    await coordinator.releaseLock(elsewhere!);
  });

  it('reports a failed run and goes on running the worker', async () => {
    const observer = recordingObserver();
    let calls = 0;
    const worker = countingWorker('flaky', {
      intervalMs: 10,
      body: async () => {
        calls += 1;
        if (calls === 1) throw new Error('backend down');
        return 2;
      },
    });
    const runtime = new WorkerRuntime(coordinator, [worker], observer);
    runtime.start();
    while (calls < 2) await sleep(10);
    await runtime.stop();
    expect(observer.outcomes.slice(0, 2)).toEqual([
      ['flaky', 'failed', 0],
      ['flaky', 'done', 2],
    ]);
    expect(observer.errors).toEqual([new Error('backend down')]);
  });

  it('tells a run under way to stop when the runtime stops, and waits for it', async () => {
    let stoppedWithSignal = false;
    const worker = countingWorker('long', {
      body: async (signal) => {
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        stoppedWithSignal = true;
        return 0;
      },
    });
    const runtime = new WorkerRuntime(coordinator, [worker]);
    const run = runtime.runOnce('long');
    await sleep(20);
    await runtime.stop();
    expect(stoppedWithSignal).toBe(true);
    await expect(run).resolves.toMatchObject({ items: 0 });
  });

  it('refuses to run a worker it does not have', async () => {
    await expect(new WorkerRuntime(coordinator, []).runOnce('nope')).rejects.toThrow('no worker named nope');
  });
});

describe('EventPruner', () => {
  it('prunes handled events past the retention and reports each consumer lag', async () => {
    const store = new SqlMetadataStore(await PgliteDatabase.open());
    try {
      await store.migrate();
      const blob = (n: number) => ({
        digest: `sha256:${String(n).repeat(64)}`,
        size: 1,
        storageKey: `k${n}`,
      });
      await store.events.register('webhooks', 'oldest');
      await store.addBlob('app', blob(1));
      await store.addBlob('app', blob(2));
      const [, first] = await store.events.read('webhooks', 10);
      await store.events.advance('webhooks', first!.position);

      const lags = new Map<string, number>();
      const pruner = new EventPruner(
        store.events,
        { retentionMs: 0, intervalMs: 0 },
        { consumerLag: (consumer, seconds) => lags.set(consumer, seconds) },
      );
      // The repository's creation and the first upload were handled: they go; the second stays.
      expect(await pruner.run(new AbortController().signal)).toBe(2);
      expect((await store.events.read('webhooks', 10)).map((event) => event.kind)).toEqual(['blob.uploaded']);
      expect(lags.get('webhooks')).toBeGreaterThanOrEqual(0);

      const events = await store.events.read('webhooks', 10);
      await store.events.advance('webhooks', events[0]!.position);
      expect(await pruner.run(new AbortController().signal)).toBe(1);
      expect(lags.get('webhooks')).toBe(0);

      const keeping = new EventPruner(store.events, { retentionMs: 3_600_000, intervalMs: 0 });
      await store.addBlob('app', blob(3));
      await store.events.unregister('webhooks');
      expect(await keeping.run(new AbortController().signal)).toBe(0);
    } finally {
      await store.close();
    }
  });
});
