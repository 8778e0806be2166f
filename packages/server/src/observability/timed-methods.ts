import { Readable } from 'node:stream';

/** Takes the outcome of one call of one operation. */
export type OperationRecorder = (seconds: number, failed: boolean) => void;

/** Makes the recorder of an operation; asked once per operation, when its method is wrapped. */
export type OperationMetrics = (operation: string) => OperationRecorder;

/** The names of T's methods. */
export type MethodName<T> = {
  [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T] &
  string;

type AnyMethod = (...args: unknown[]) => unknown;

/**
 * Wrappers of `target`'s named methods that time every call and note whether it failed. They call
 * the target itself, so its private fields work and its calls to its own methods are not counted
 * twice. A call that returns a promise is timed until the promise settles; one that returns a lazy
 * async iterable (not a stream), until the iteration ends, fails or is abandoned (an iteration
 * never started is not recorded); one that returns anything else, until it returns.
 */
export function timedMethods<T extends object, K extends MethodName<T>>(
  target: T,
  operations: readonly K[],
  metrics: OperationMetrics,
): Pick<T, K> {
  const timed: Partial<Record<K, AnyMethod>> = {};
  for (const operation of operations) {
    const method = target[operation] as AnyMethod;
    const record = metrics(operation);
    timed[operation] = (...args) => {
      const started = performance.now();
      let result: unknown;
      try {
        result = method.apply(target, args);
      } catch (error) {
        record(secondsSince(started), true);
        throw error;
      }
      return settle(result, started, record);
    };
  }
  // Every name in `operations` now holds a wrapper of the method it names.
  return timed as unknown as Pick<T, K>;
}

function settle(result: unknown, started: number, record: OperationRecorder): unknown {
  if (result instanceof Promise) {
    // Observed on the side: the caller gets the adapter's own promise, and handles (or fails to
    // handle) its rejection exactly as it would without the metrics.
    result.then(
      () => record(secondsSince(started), false),
      () => record(secondsSince(started), true),
    );
    return result;
  }
  if (isAsyncIterable(result)) return timedIteration(result, started, record);
  record(secondsSince(started), false);
  return result;
}

async function* timedIteration<V>(
  source: AsyncIterable<V>,
  started: number,
  record: OperationRecorder,
): AsyncGenerator<V> {
  let failed = false;
  try {
    yield* source;
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    record(secondsSince(started), failed);
  }
}

// Streams are async iterables too, but must reach the caller as the streams they are.
function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Readable) &&
    typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function'
  );
}

function secondsSince(started: number): number {
  return (performance.now() - started) / 1000;
}
