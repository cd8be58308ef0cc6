import type { DataSource } from 'typeorm';
import { openTestDataSource } from '../support/test-data-source';

/** The storage rules of DESIGN §6, checked on the schema the real migrations build. */
describe('schema built by the migrations', () => {
  let dataSource: DataSource;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ dataSource, close } = await openTestDataSource());
  });
  afterAll(() => close());

  it('has org_id as a column of every table and as the first column of every primary key and unique index', async () => {
    const tables: Array<{ table_name: string }> = await dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'migrations' ORDER BY 1`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['orgs', 'api_tokens']));
    const indexes: Array<{ table_name: string; index_name: string; first_column: string }> = await dataSource.query(`
      SELECT t.relname AS table_name, i.relname AS index_name, a.attname AS first_column
      FROM pg_index x
      JOIN pg_class t ON t.oid = x.indrelid
      JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
      WHERE n.nspname = 'public' AND (x.indisunique OR x.indisprimary) AND t.relname <> 'migrations'`);
    expect(indexes.length).toBeGreaterThanOrEqual(3);
    const offenders = indexes.filter((i) => i.first_column !== 'org_id').map((i) => `${i.table_name}.${i.index_name} leads with ${i.first_column}`);
    expect(offenders).toEqual([]);
  });

  it('stores timestamps as timestamptz', async () => {
    const columns: Array<{ table_name: string; column_name: string; data_type: string }> = await dataSource.query(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
       WHERE table_schema = 'public' AND data_type LIKE 'timestamp%' AND table_name <> 'migrations'`,
    );
    expect(columns.length).toBeGreaterThan(0);
    expect(columns.filter((c) => c.data_type !== 'timestamp with time zone')).toEqual([]);
  });

  it('matches the entities: TypeORM finds nothing to change (synchronize stays off, migrations are the truth)', async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('writes GIN indexes directly: no pending list that every lookup reads (migration 145)', async () => {
    const gin: Array<{ index_name: string; options: string[] | null }> = await dataSource.query(`
      SELECT i.relname AS index_name, i.reloptions AS options
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam JOIN pg_namespace n ON n.oid = i.relnamespace
      WHERE n.nspname = 'public' AND am.amname = 'gin' ORDER BY 1`);
    expect(gin.map((g) => g.index_name)).toContain('ci_runs_pr_keys_idx');
    expect(gin.filter((g) => !(g.options ?? []).includes('fastupdate=off'))).toEqual([]);
  });

  it('holds the default organisation', async () => {
    expect(await dataSource.query(`SELECT org_id, slug FROM orgs`)).toEqual([{ org_id: '00000000-0000-0000-0000-000000000001', slug: 'default' }]);
  });
});
