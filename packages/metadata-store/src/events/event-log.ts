import type { RegistryEvent } from './registry-event';

/** Where a new consumer starts: at the oldest event still kept, or after the newest one. */
export type ConsumerStart = 'oldest' | 'latest';

/** A consumer of the event log and how far it has read. */
export interface EventConsumer {
  name: string;
  /** The last event it has handled; undefined before its first. */
  position?: string;
  /** When the oldest event it has not handled yet occurred; undefined when it is up to date. */
  oldestPendingAt?: Date;
  updatedAt: Date;
}

/**
 * The registry's domain events (a transactional outbox: each is written in the transaction of its
 * change), read by named consumers that each keep a durable cursor. Delivery is at least once: a
 * consumer that handles events and dies before `advance` reads them again. Events of one
 * repository are read in the order their changes were committed.
 */
export interface EventLog {
  /** Creates the consumer's cursor unless it exists (then it is left as it is). */
  register(consumer: string, start: ConsumerStart): Promise<void>;
  /** Removes a consumer, which stops holding back pruning; false when unknown. */
  unregister(consumer: string): Promise<boolean>;
  /**
   * Up to `limit` events after the consumer's cursor, in order. Throws UnknownConsumerError for a
   * consumer never registered.
   */
  read(consumer: string, limit: number): Promise<RegistryEvent[]>;
  /** Moves the consumer's cursor to `position` (an event's); never moves it back. */
  advance(consumer: string, position: string): Promise<void>;
  consumers(): Promise<EventConsumer[]>;
  /**
   * Deletes up to `limit` events that occurred before `before` and that every consumer has
   * handled; returns how many.
   */
  prune(before: Date, limit: number): Promise<number>;
}

/** Reading or advancing a consumer that was never registered. */
export class UnknownConsumerError extends Error {
  constructor(readonly consumer: string) {
    super(`no event consumer named ${consumer}`);
    this.name = 'UnknownConsumerError';
  }
}

/** A position that no event log gave out. */
export class InvalidEventPositionError extends Error {
  constructor(readonly position: string) {
    super(`not an event position: ${JSON.stringify(position)}`);
    this.name = 'InvalidEventPositionError';
  }
}
