import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../server/src/core/database/embedded-postgres';
import type { DatabaseTarget } from '../../server/src/core/database/data-source';

/** Set by global-setup: a migrated template to copy (a PGlite dump file, or a PostgreSQL database name). */
export const TEMPLATE_ENV = 'LOOPMETER_TEST_TEMPLATE';

export interface TestDatabase {
  target: DatabaseTarget;
  /** The embedded database serves one client at a time: wait until the last one has gone. */
  waitForIdle(): Promise<void>;
  close(): Promise<void>;
}

export function testDatabaseKind(): 'postgres' | 'embedded' {
  return process.env.TEST_DATABASE_URL ? 'postgres' : 'embedded';
}

/**
 * A database of this test file's own. `empty: true` gives one with no tables (to test migrating);
 * otherwise a copy of the template that the real migrations built once for the run.
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) {
    const name = `lm_t_${randomBytes(6).toString('hex')}`;
    const template = options.empty ? 'template0' : requiredTemplate();
    await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return {
      target: { url: url.toString(), kind: 'postgres', poolSize: 5 },
      waitForIdle: async () => undefined,
      close: () => withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
    };
  }
  const loadDataDir = options.empty ? undefined : new Blob([readFileSync(requiredTemplate())]);
  const embedded = await startEmbeddedPostgres({ loadDataDir });
  return { target: { url: embedded.url, kind: 'embedded', poolSize: 1 }, waitForIdle: () => embedded.waitForIdle(), close: () => embedded.close() };
}

function requiredTemplate(): string {
  const template = process.env[TEMPLATE_ENV];
  if (!template) throw new Error(`${TEMPLATE_ENV} is not set: run the tests through jest (npm test), whose global setup builds it.`);
  return template;
}

export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
