import type { ChannelListener } from '../channels';
import type { Coordinator } from '../coordinator';

/** A listener that keeps what it hears, and lets a test wait for it. */
export interface RecordingListener extends ChannelListener {
  readonly messages: string[];
  /** Every call in order: `message:<text>`, `resumed`, `interrupted`. */
  readonly events: string[];
  /** Resolves once `events` satisfies `done`; rejects after `timeoutMs`. */
  until(done: (events: string[]) => boolean, timeoutMs?: number): Promise<void>;
}

export function recordingListener(): RecordingListener {
  const messages: string[] = [];
  const events: string[] = [];
  const waiters = new Set<() => void>();
  const note = (event: string): void => {
    events.push(event);
    for (const wake of [...waiters]) wake();
  };
  return {
    messages,
    events,
    message(message) {
      messages.push(message);
      note(`message:${message}`);
    },
    resumed: () => note('resumed'),
    interrupted: () => note('interrupted'),
    until(done, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!done(events)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`listener heard only ${JSON.stringify(events)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

export const heard =
  (...expected: string[]) =>
  (events: string[]): boolean =>
    expected.every((event) => events.includes(event));

/** True once `event` was heard `times` times. */
export const heardTimes =
  (event: string, times: number) =>
  (events: string[]): boolean =>
    events.filter((heardEvent) => heardEvent === event).length === times;

/** Subscribes a recording listener and waits until delivery has begun. */
export async function listening(coordinator: Coordinator, channel: string) {
  const listener = recordingListener();
  const subscription = coordinator.subscribe(channel, listener);
  await listener.until(heard('resumed'));
  return { listener, subscription };
}
