import { z } from 'zod';

/** How long to wait for PostgreSQL; there is always a limit, so that a stalled server becomes a 503. */
const deadlineSeconds = z.coerce.number().positive();

/**
 * Where and how widely to connect to PostgreSQL, and how long to wait for it, with the bounds and
 * defaults of each: the one place either is declared. The server's configuration takes these as
 * `metadata.postgres`.
 */
export const postgresOptionsSchema = z
  .object({
    /** postgres:// URL, with credentials; never logged. */
    url: z.string().min(1),
    /** Connections per process. */
    poolSize: z.coerce.number().int().positive().default(10),
    /** To open a connection, or to be given one while every connection of the pool is busy. */
    connectTimeoutSeconds: deadlineSeconds.default(5),
    /**
     * PostgreSQL cancels a statement running longer (statement_timeout), and a statement with no
     * answer a second after that is given up: the server or the path to it is gone. The registry's
     * statements take milliseconds; scripts (`execute`: migrations) are exempt.
     */
    statementTimeoutSeconds: deadlineSeconds.default(10),
  })
  .strict();

/** PostgreSQL options as a caller gives them: defaults may be left out. */
export type PgDatabaseOptions = z.input<typeof postgresOptionsSchema>;
