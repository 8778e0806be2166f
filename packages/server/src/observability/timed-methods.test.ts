import { Readable } from 'node:stream';
import { timedMethods, type OperationMetrics } from './timed-methods';

class Port {
  readonly #secret = 'private state';
  calls = 0;

  async answer(value: number): Promise<string> {
    this.calls++;
    return `${this.#secret} ${value}`;
  }

  async fail(): Promise<void> {
    throw new Error('backend down');
  }

  throwAtOnce(): Promise<void> {
    throw new Error('bad argument');
  }

  async *pages(failAt?: number): AsyncIterable<number> {
    for (let page = 0; page < 3; page++) {
      if (page === failAt) throw new Error('listing failed');
      yield page;
    }
  }

  stream(): Readable {
    return Readable.from(['bytes']);
  }

  // Calls to its own methods go to the target, not through the wrappers.
  async twice(): Promise<string> {
    return `${await this.answer(1)} ${await this.answer(2)}`;
  }
}

function recording() {
  const calls: { operation: string; failed: boolean; seconds: number }[] = [];
  const asked: string[] = [];
  const metrics: OperationMetrics = (operation) => {
    asked.push(operation);
    return (seconds, failed) => calls.push({ operation, failed, seconds });
  };
  return { calls, asked, metrics };
}

describe('timedMethods', () => {
  it('records each call once it settles, on the target itself', async () => {
    const { calls, asked, metrics } = recording();
    const port = new Port();
    const timed = timedMethods(port, ['answer', 'twice'], metrics);
    expect(asked).toEqual(['answer', 'twice']);
    await expect(timed.answer(7)).resolves.toBe('private state 7');
    await expect(timed.twice()).resolves.toBe('private state 1 private state 2');
    expect(calls.map(({ operation, failed }) => [operation, failed])).toEqual([
      ['answer', false],
      ['twice', false],
    ]);
    expect(calls.every(({ seconds }) => seconds >= 0)).toBe(true);
    expect(port.calls).toBe(3);
  });

  it('records rejections and synchronous throws as failures and passes them on', async () => {
    const { calls, metrics } = recording();
    const timed = timedMethods(new Port(), ['fail', 'throwAtOnce'], metrics);
    await expect(timed.fail()).rejects.toThrow('backend down');
    expect(() => timed.throwAtOnce()).toThrow('bad argument');
    expect(calls.map(({ operation, failed }) => [operation, failed])).toEqual([
      ['fail', true],
      ['throwAtOnce', true],
    ]);
  });

  it('times a lazy iteration until it ends, fails or is abandoned', async () => {
    const { calls, metrics } = recording();
    const timed = timedMethods(new Port(), ['pages'], metrics);
    const seen: number[] = [];
    for await (const page of timed.pages()) seen.push(page);
    expect(seen).toEqual([0, 1, 2]);
    for await (const page of timed.pages()) if (page === 0) break;
    await expect(
      (async () => {
        for await (const _page of timed.pages(1));
      })(),
    ).rejects.toThrow('listing failed');
    expect(calls.map(({ failed }) => failed)).toEqual([false, false, true]);
  });

  it('hands back streams as they are', async () => {
    const { calls, metrics } = recording();
    const timed = timedMethods(new Port(), ['stream'], metrics);
    const stream = timed.stream();
    expect(stream).toBeInstanceOf(Readable);
    expect(calls).toHaveLength(1);
    stream.destroy();
  });
});
