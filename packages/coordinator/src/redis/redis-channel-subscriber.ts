import type { Redis } from 'ioredis';
import type { ChannelListener, ChannelSubscription } from '../channels';

/**
 * The listening side of broadcast channels, on a connection of its own: a subscribed Redis
 * connection can run nothing but subscription commands. It resubscribes by itself after a
 * reconnect instead of leaving that to ioredis, which reports the connection ready before the
 * subscriptions are back; a listener is told `resumed` only once Redis has confirmed its
 * channel, since messages published before that are lost to it.
 */
export class RedisChannelSubscriber {
  readonly #connection: Redis;
  readonly #listeners = new Map<string, Set<ChannelListener>>();
  /** Listeners last told `resumed`, and so owed `interrupted` when the connection drops. */
  readonly #resumed = new Set<ChannelListener>();
  /** Counts dropped connections, so a confirmation that arrives after a drop is not believed. */
  #drops = 0;

  constructor(connection: Redis) {
    this.#connection = connection;
    connection.on('message', (channel: string, message: string) => {
      for (const listener of [...(this.#listeners.get(channel) ?? [])]) listener.message(message);
    });
    connection.on('ready', () => this.#listen([...this.#listeners.keys()]));
    connection.on('close', () => {
      this.#drops++;
      this.#interruptAll();
    });
  }

  subscribe(channel: string, listener: ChannelListener): ChannelSubscription {
    const listeners = this.#listeners.get(channel) ?? new Set();
    this.#listeners.set(channel, listeners);
    listeners.add(listener);
    // Otherwise the next 'ready' subscribes every channel.
    if (this.#connection.status === 'ready') this.#listen([channel]);
    return { close: () => this.#unsubscribe(channel, listener) };
  }

  // Nothing it sends needs an answer, so the connection can simply be dropped.
  async close(): Promise<void> {
    this.#listeners.clear();
    this.#connection.disconnect();
    this.#interruptAll();
  }

  #listen(channels: string[]): void {
    if (channels.length === 0) return;
    const drops = this.#drops;
    this.#connection.subscribe(...channels).then(
      () => {
        if (drops !== this.#drops) return;
        for (const channel of channels) {
          for (const listener of this.#listeners.get(channel) ?? []) {
            if (this.#resumed.has(listener)) continue;
            this.#resumed.add(listener);
            listener.resumed();
          }
        }
      },
      // The connection broke; its 'close' interrupts the listeners and its next 'ready' retries.
      () => undefined,
    );
  }

  async #unsubscribe(channel: string, listener: ChannelListener): Promise<void> {
    const listeners = this.#listeners.get(channel);
    if (!listeners?.delete(listener)) return;
    this.#resumed.delete(listener);
    if (listeners.size > 0) return;
    this.#listeners.delete(channel);
    // When the connection is down there is nothing to undo: 'ready' subscribes only what is listened to.
    if (this.#connection.status === 'ready')
      await this.#connection.unsubscribe(channel).catch(() => undefined);
  }

  #interruptAll(): void {
    const resumed = [...this.#resumed];
    this.#resumed.clear();
    for (const listener of resumed) listener.interrupted();
  }
}
