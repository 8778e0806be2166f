import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Keeps a loop of work to a share of the time: each `rest` waits as long as it takes for the work
 * since the last one to have been `busyFraction` of the time gone by. The work itself is timed
 * from the end of one rest to the start of the next.
 */
export class Pace {
  #workStartedAt = performance.now();

  constructor(private readonly busyFraction: number) {
    if (!(busyFraction > 0 && busyFraction <= 1)) {
      throw new RangeError(`a busy fraction is above 0 and at most 1, not ${busyFraction}`);
    }
  }

  /** Rests for the share of idle time the work since the last rest calls for; an abort ends it. */
  async rest(signal: AbortSignal): Promise<void> {
    const workedMs = performance.now() - this.#workStartedAt;
    const restMs = (workedMs * (1 - this.busyFraction)) / this.busyFraction;
    if (restMs >= 1) await sleep(restMs, undefined, { signal }).catch(() => undefined);
    this.#workStartedAt = performance.now();
  }
}
