import { Pace } from './pace';

async function busyFor(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

describe('Pace', () => {
  const never = new AbortController().signal;

  it('rests three times as long as it worked at a quarter of the time', async () => {
    const pace = new Pace(0.25);
    await busyFor(40);
    const restedFrom = performance.now();
    await pace.rest(never);
    const restedMs = performance.now() - restedFrom;
    expect(restedMs).toBeGreaterThanOrEqual(115);
    expect(restedMs).toBeLessThan(400);
  });

  it('does not rest at all when it may work all the time', async () => {
    const pace = new Pace(1);
    await busyFor(30);
    const restedFrom = performance.now();
    await pace.rest(never);
    expect(performance.now() - restedFrom).toBeLessThan(15);
  });

  it('stops resting at once when the work is aborted', async () => {
    const pace = new Pace(0.01);
    await busyFor(20);
    const aborting = new AbortController();
    setTimeout(() => aborting.abort(), 20);
    const restedFrom = performance.now();
    await pace.rest(aborting.signal);
    expect(performance.now() - restedFrom).toBeLessThan(500);
  });

  it('refuses a share outside (0, 1]', () => {
    expect(() => new Pace(0)).toThrow(RangeError);
    expect(() => new Pace(1.5)).toThrow(RangeError);
  });
});
