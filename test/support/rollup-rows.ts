import { ROLLUP_TABLES } from '../../server/src/metrics/rollups/rollup-tables';

/** Every row of the org's rollup tables of sums (ROLLUP_TABLES), in key order, one string each (`<table> <row JSON>`). */
export async function rollupRows(sql: <T>(text: string, params: unknown[]) => Promise<T[]>, org: string): Promise<string[]> {
  const out: string[] = [];
  for (const table of ROLLUP_TABLES) {
    const rows = await sql<Record<string, unknown>>(`SELECT * FROM ${table.table} WHERE org_id = $1 ORDER BY slice, grain, day, ${table.dims.join(', ')}`, [org]);
    for (const row of rows) out.push(`${table.table} ${JSON.stringify({ ...row, day: new Date(row.day as string).toISOString() })}`);
  }
  return out;
}
