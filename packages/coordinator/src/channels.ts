/**
 * Hears what is published on one channel. Delivery is at most once: while the listener is
 * interrupted, messages published meanwhile are lost. It starts interrupted and is told
 * `resumed` once delivery has begun, so what it derives from the messages (a cache, say) can
 * be trusted exactly between `resumed` and the next `interrupted`. Its methods are called from
 * the adapter's own event handling and must not throw.
 */
export interface ChannelListener {
  message(message: string): void;
  resumed(): void;
  interrupted(): void;
}

/** A listener's place on a channel. */
export interface ChannelSubscription {
  /** Stops delivery to this listener; other listeners on the channel keep theirs. */
  close(): Promise<void>;
}
