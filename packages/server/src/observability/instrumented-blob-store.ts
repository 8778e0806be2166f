import type { BlobStore } from '@berth/blob-store';
import { timedMethods, type MethodName, type OperationMetrics } from './timed-methods';

// Every method of the port: one added to BlobStore and missing here fails to compile below.
const OPERATIONS = [
  'stat',
  'read',
  'put',
  'delete',
  'listObjects',
  'presignRead',
  'startWrite',
  'append',
  'commitWrite',
  'abortWrite',
  'listWrites',
  'checkHealth',
  'close',
] as const satisfies readonly MethodName<BlobStore>[];

/**
 * The blob store with every call timed and every failure counted. `read` is timed until the store
 * hands back the stream (for S3, when the response headers arrive: about the time to first byte),
 * not until its last byte, which the pull metrics cover; `put` and `append` include the time the
 * client takes to send the body they stream. The listings, `listObjects` and `listWrites`, are timed
 * over their whole iteration, the caller's own work between entries included.
 */
export function instrumentBlobStore(store: BlobStore, metrics: OperationMetrics): BlobStore {
  return {
    kind: store.kind,
    minEfficientAppend: store.minEfficientAppend,
    ...timedMethods(store, OPERATIONS, metrics),
  };
}
