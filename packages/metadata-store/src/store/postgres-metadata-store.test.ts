import { openPostgresTestDatabase } from '../contract/test-databases.contract';
import { describeSqlMetadataStoreContract } from '../contract/sql-metadata-store.contract';

describeSqlMetadataStoreContract('postgres', openPostgresTestDatabase);
