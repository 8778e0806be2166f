import type { ReviewQueueStats } from '@berth/metadata-store';
import { QueueReadings } from './queue-readings';

function statsWith(due: number): ReviewQueueStats {
  return {
    at: new Date(),
    timing: { reviewDelaySeconds: 0, reviewJitterSeconds: 0 },
    untaggedManifests: false,
    recent: { reviews: 0, since: new Date() },
    manifests: { queued: 0, due: 0 },
    links: { queued: due, due },
    blobs: { queued: 0, due: 0, dueBytes: 0 },
  };
}

describe('QueueReadings', () => {
  it('reads once for scrapes at the same time and within the age, again after a change', async () => {
    let reads = 0;
    const readings = new QueueReadings(async () => statsWith(++reads), 60_000);
    const [first, second] = await Promise.all([readings.latest(), readings.latest()]);
    expect([first?.links.due, second?.links.due, reads]).toEqual([1, 1, 1]);
    expect((await readings.latest())?.links.due).toBe(1);
    readings.invalidate();
    expect((await readings.latest())?.links.due).toBe(2);
  });

  it('reads again once the last reading is older than the age', async () => {
    let reads = 0;
    const readings = new QueueReadings(async () => statsWith(++reads), 0);
    await readings.latest();
    await new Promise((resolve) => setTimeout(resolve, 2));
    expect((await readings.latest())?.links.due).toBe(2);
  });

  it('keeps the reading before a failed one, and has none before the first', async () => {
    let fail = true;
    const readings = new QueueReadings(async () => {
      if (fail) throw new Error('the database is away');
      return statsWith(7);
    }, 0);
    expect(await readings.latest()).toBeUndefined();
    fail = false;
    expect((await readings.latest())?.links.due).toBe(7);
    fail = true;
    expect((await readings.latest())?.links.due).toBe(7);
  });
});
