import { z } from 'zod';

/** How long to wait for Redis; there is always a limit, so that a stalled Redis becomes a 503. */
const deadlineSeconds = z.coerce.number().positive();

/**
 * Settings of the Redis coordinator, with the bounds and defaults of each: the one place either is
 * declared. The server's configuration takes these as `coordinator.redis`.
 */
export const redisOptionsSchema = z
  .object({
    /** redis:// or rediss:// URL, with credentials and database number if needed; never logged. */
    url: z.string().min(1),
    /** Prepended to every key, so several deployments or test runs can share one Redis. */
    keyPrefix: z.string().default('berth:'),
    /** To open a connection. */
    connectTimeoutSeconds: deadlineSeconds.default(3),
    /**
     * A command with no reply this long (queued while reconnecting included) fails, and its
     * connection is replaced. Commands take well under a millisecond; this is about a Redis that
     * stopped answering.
     */
    commandTimeoutSeconds: deadlineSeconds.default(5),
  })
  .strict();

/** Redis settings as a caller gives them: defaults may be left out. */
export type RedisOptions = z.input<typeof redisOptionsSchema>;
