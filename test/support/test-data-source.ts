import type { DataSource } from 'typeorm';
import { createDataSource } from '../../server/src/core/database/data-source';
import { createTestDatabase, type TestDatabase } from './test-database';

/** A TypeORM DataSource on this test file's own migrated database, for integration tests. */
export async function openTestDataSource(): Promise<{ dataSource: DataSource; database: TestDatabase; close(): Promise<void> }> {
  const database = await createTestDatabase();
  const dataSource = createDataSource(database.target);
  await dataSource.initialize();
  return {
    dataSource,
    database,
    async close() {
      await dataSource.destroy();
      await database.close();
    },
  };
}
