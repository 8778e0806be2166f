import { Redis, type RedisOptions } from 'ioredis';
import { redisScripts, type ScriptedRedis } from './redis-scripts';

const MAX_RECONNECT_DELAY_MS = 2_000;

/** How long to wait for Redis, in milliseconds. */
export interface RedisDeadlines {
  /** To establish a connection. */
  connectMs: number;
  /** For the reply to a command, queued ones included. */
  commandMs: number;
}

/** Reconnection delay: exponential from 100 ms, capped, with jitter so restarted pods do not reconnect in step. */
function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** attempt, MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 100);
}

/** Opens a client tuned for a long-running server that must outlive Redis restarts on its own. */
export function connectRedis(
  url: string,
  deadlines: RedisDeadlines,
  onError: (error: Error) => void,
  // Without `replyMapping`: ioredis's constructor declares it narrower than RedisOptions does.
  overrides: Omit<Partial<RedisOptions>, 'replyMapping'> = {},
): ScriptedRedis {
  const redis = new Redis(url, {
    // Never give up reconnecting: a pod must heal by itself once Redis is back, without a restart.
    retryStrategy: reconnectDelay,
    // A command already sent when the connection drops fails instead of being replayed after the
    // reconnect. Redis may have applied it already, and a replayed create, compare-and-set or lock
    // acquisition would then report a conflict for a write that in fact succeeded.
    maxRetriesPerRequest: 0,
    // Commands issued while (re)connecting wait in the offline queue, so start-up and a brief
    // failover cost latency rather than errors. With maxRetriesPerRequest 0 the queue is failed at
    // the next unsuccessful connection attempt, so while Redis is down a request waits at most one
    // reconnect delay plus connectTimeout, or commandTimeout if sooner, then fails with a 503.
    enableOfflineQueue: true,
    connectTimeout: deadlines.connectMs,
    // Counted from when the command is issued, so it bounds a wait in the offline queue too, and a
    // Redis that accepts connections but never answers.
    commandTimeout: deadlines.commandMs,
    // A connection with a command outstanding and no reply for as long (host gone, network
    // partition) is dropped and re-established, rather than waiting minutes for TCP to notice.
    socketTimeout: deadlines.commandMs,
    connectionName: 'berth',
    scripts: redisScripts,
    ...overrides,
  });
  redis.on('error', onError);
  // The `scripts` option defines these commands on the instance at construction.
  return redis as ScriptedRedis;
}
