import { openPgliteTestDatabase } from '../contract/test-databases.contract';
import { describeSqlMetadataStoreContract } from '../contract/sql-metadata-store.contract';

describeSqlMetadataStoreContract('pglite', openPgliteTestDatabase);
