import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { createDataSource, type DatabaseTarget } from '../../server/src/core/database/data-source';
import { runMigrations } from '../../server/src/core/database/migrate';
import { TEMPLATE_ENV, withClient } from './test-database';

/** Builds the migrated template database once per run; each test file copies it. */
export default async function globalSetup(): Promise<void> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) {
    const name = `lm_tpl_${randomBytes(6).toString('hex')}`;
    await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    await migrate({ url: url.toString(), kind: 'postgres', poolSize: 2 });
    process.env[TEMPLATE_ENV] = name;
    return;
  }
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
  await server.start();
  await migrate({ url: `postgres://postgres@${server.getServerConn()}/postgres`, kind: 'embedded', poolSize: 1 });
  await server.stop();
  const dump = await db.dumpDataDir('none');
  await db.close();
  const file = join(mkdtempSync(join(tmpdir(), 'loopmeter-test-')), 'template.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  process.env[TEMPLATE_ENV] = file;
}

async function migrate(target: DatabaseTarget): Promise<void> {
  const dataSource = createDataSource(target);
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
