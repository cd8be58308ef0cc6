import { MigrationExecutor, type DataSource } from 'typeorm';

/** An arbitrary constant: the advisory lock that serialises migrations between server instances. */
const MIGRATION_LOCK_KEY = 7_460_311;

/**
 * Applies pending migrations, one transaction each. Several instances may start together on one
 * PostgreSQL server, so the migrations run under an advisory lock taken on the same connection (which also
 * works with a pool of one, as on the embedded database).
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      return (await executor.executePendingMigrations()).map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
