import type { AccessStore, EventLog, GcReviews, MetadataStore } from '@berth/metadata-store';
import { timedMethods, type MethodName, type OperationMetrics } from './timed-methods';

// Every method of the ports: one added to either and missing here fails to compile below.
const METADATA_OPERATIONS = [
  'migrate',
  'migrationStatus',
  'repositoriesPage',
  'repositoryExists',
  'findBlob',
  'findRepositoryBlob',
  'addBlob',
  'linkBlob',
  'namedStorageKeys',
  'unlinkBlob',
  'putManifest',
  'findManifestByDigest',
  'findManifestByTag',
  'deleteManifest',
  'deleteTag',
  'tagsPage',
  'referrers',
  'checkHealth',
  'close',
] as const satisfies readonly MethodName<MetadataStore>[];

const ACCESS_OPERATIONS = [
  'createUser',
  'findUser',
  'updateUser',
  'deleteUser',
  'usersPage',
  'createNamespace',
  'findNamespace',
  'updateNamespace',
  'deleteNamespace',
  'namespacesPage',
  'setMember',
  'removeMember',
  'members',
  'membershipsOf',
  'roleOf',
  'createRobot',
  'findRobot',
  'robots',
  'revokeRobot',
  'deleteRobot',
] as const satisfies readonly MethodName<AccessStore>[];

const EVENT_OPERATIONS = [
  'register',
  'unregister',
  'read',
  'advance',
  'consumers',
  'prune',
] as const satisfies readonly MethodName<EventLog>[];

const GC_OPERATIONS = [
  'configure',
  'reviewDueManifests',
  'reviewDueLinks',
  'reviewDueBlobs',
  'previewDueReviews',
  'stats',
] as const satisfies readonly MethodName<GcReviews>[];

/**
 * The metadata store, its access store, event log and review queues included, with every call timed and every
 * failure counted. All share one database, so all report as the `metadata` backend; their method
 * names differ.
 */
export function instrumentMetadataStore(store: MetadataStore, metrics: OperationMetrics): MetadataStore {
  const access: AccessStore = timedMethods(store.access, ACCESS_OPERATIONS, metrics);
  const events: EventLog = timedMethods(store.events, EVENT_OPERATIONS, metrics);
  const gc: GcReviews = timedMethods(store.gc, GC_OPERATIONS, metrics);
  return { kind: store.kind, access, events, gc, ...timedMethods(store, METADATA_OPERATIONS, metrics) };
}
