import { z } from 'zod';

/** Options of FilesystemBlobStore, with their defaults; the server's configuration takes them as `blobs.filesystem`. */
export const filesystemOptionsSchema = z
  .object({
    /** Directory that holds everything the store writes; created when missing. */
    root: z.string().min(1).default('./data/blobs'),
  })
  .strict();

/** Options of FilesystemBlobStore as a caller gives them: defaults may be left out. */
export type FilesystemBlobStoreOptions = z.input<typeof filesystemOptionsSchema>;
