import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { TEMPLATE_ENV, withClient } from './test-database';

export default async function globalTeardown(): Promise<void> {
  const template = process.env[TEMPLATE_ENV];
  if (!template) return;
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`));
  else rmSync(dirname(template), { recursive: true, force: true });
}
