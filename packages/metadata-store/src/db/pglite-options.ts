import { z } from 'zod';

/** Options of the embedded PGlite database, with their defaults; the configuration's `metadata.pglite`. */
export const pgliteOptionsSchema = z
  .object({
    /** Directory of the database; one process holds it at a time. */
    dataDir: z.string().min(1).default('./data/metadata'),
  })
  .strict();

/** PGlite options as a caller gives them: defaults may be left out. */
export type PgliteOptions = z.input<typeof pgliteOptionsSchema>;
