import type { AccessStore, MetadataStore } from '@berth/metadata-store';
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

/**
 * The metadata store, its access store included, with every call timed and every failure counted.
 * Both share one database, so both report as the `metadata` backend; their method names differ.
 */
export function instrumentMetadataStore(store: MetadataStore, metrics: OperationMetrics): MetadataStore {
  const access: AccessStore = timedMethods(store.access, ACCESS_OPERATIONS, metrics);
  return { kind: store.kind, access, ...timedMethods(store, METADATA_OPERATIONS, metrics) };
}
