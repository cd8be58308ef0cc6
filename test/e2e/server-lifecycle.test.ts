import { MIGRATIONS } from '../../server/src/core/database/schema';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { healthResponseSchema } from '@loopmeter/shared';
import { runCli } from '../../server/src/cli/main';
import { AppConfig } from '../../server/src/core/config/app-config';
import { DataDirInUseError } from '../../server/src/core/database/data-dir-lock';
import { createRootLogger } from '../../server/src/core/logging/logger';
import { startServer, type RunningServer } from '../../server/src/server';
import { createTestDatabase, testDatabaseKind } from '../support/test-database';
import { request } from '../support/test-app';

/** What `npm start` and `npm run cli` do, on the embedded database and on a PostgreSQL URL. */

async function cli(args: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, env, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

const silent = createRootLogger('silent');

describe('embedded database (no DATABASE_URL)', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let server: RunningServer | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'loopmeter-embedded-'));
    env = { PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves health on the embedded database, lets the CLI work through the running server, and keeps data across a restart', async () => {
    server = await startServer(AppConfig.fromEnv(env), silent);
    const health = await request(server.url, 'GET', '/api/health');
    expect(health.status).toBe(200);
    expect(healthResponseSchema.parse(health.body)).toMatchObject({ status: 'ok', database: { kind: 'embedded', reachable: true } });

    // The CLI credential the server leaves for the local CLI is private to its owner.
    expect(statSync(join(dataDir, 'cli-token')).mode & 0o777).toBe(0o600);

    const created = await cli(['token', 'create', '--name', 'ops', '--scope', 'admin'], env);
    expect(created.code).toBe(0);
    expect(created.stderr).toContain('via the running server');
    const token = created.stdout.trim();
    expect(token).toMatch(/^lm_/);
    expect((await request(server.url, 'GET', '/api/tokens', { token })).status).toBe(200);

    const integration = await cli(['integration', 'create', '--kind', 'github', '--name', 'acme', '--json'], env);
    expect(integration.code).toBe(0);
    const { id: integrationId, webhookUrl, secret } = JSON.parse(integration.stdout) as { id: string; webhookUrl: string; secret: string };
    expect(webhookUrl).toBe(`http://localhost:0/webhooks/github/${integrationId}`);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Webhook secrets are encrypted with a key the embedded mode keeps in DATA_DIR, private to its owner.
    expect(statSync(join(dataDir, 'encryption.key')).mode & 0o777).toBe(0o600);

    // A second server on the same DATA_DIR refuses: the database belongs to one process.
    await expect(startServer(AppConfig.fromEnv(env), silent)).rejects.toBeInstanceOf(DataDirInUseError);

    await server.close();
    server = await startServer(AppConfig.fromEnv(env), silent);
    const after = await request<{ items: Array<{ name: string }> }>(server.url, 'GET', '/api/tokens', { token });
    expect(after.status).toBe(200);
    expect(after.body.items.map((i) => i.name)).toEqual(['ops']);
    await server.close();
    server = undefined;
  });

  it('lets the CLI open the embedded database itself when no server runs', async () => {
    const integrations = await cli(['integration', 'list'], env);
    expect(integrations.code).toBe(0);
    expect(integrations.stdout).toMatch(/github\s+acme\s+active\s+never/);
    const integrationId = /^([0-9a-f-]{36})\s+github/m.exec(integrations.stdout)![1];
    const rotated = await cli(['integration', 'rotate', integrationId, '--grace-hours', '2', '--json'], env);
    expect(rotated.code).toBe(0);
    const { previousSecretExpiresAt } = JSON.parse(rotated.stdout) as { previousSecretExpiresAt: string };
    const graceMs = Date.parse(previousSecretExpiresAt) - Date.now();
    expect(graceMs).toBeGreaterThan(2 * 3_600_000 - 60_000);
    expect(graceMs).toBeLessThanOrEqual(2 * 3_600_000);
    const disabled = await cli(['integration', 'disable', integrationId], env);
    expect(disabled.stdout).toBe(`Integration "acme" (id ${integrationId}) is now disabled.\n`);

    const listed = await cli(['token', 'list'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/ops\s+admin/);
    const id = /^([0-9a-f-]{36})\s+ops/m.exec(listed.stdout)?.[1];
    expect(id).toBeDefined();
    const revoked = await cli(['token', 'revoke', id!], env);
    expect(revoked).toMatchObject({ code: 0, stdout: `Revoked token "ops" (id ${id}).\n` });
  });

  it('explains CLI usage mistakes instead of guessing', async () => {
    const missingScope = await cli(['token', 'create', '--name', 'x'], env);
    expect(missingScope.code).toBe(2);
    expect(missingScope.stderr).toMatch(/--scope/);
    const badKind = await cli(['integration', 'create', '--kind', 'bitbucket', '--name', 'x'], env);
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toMatch(/--kind/);
    const unknown = await cli(['tokens', 'make'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown command: tokens make/);
  });
});

describe('DATABASE_URL: a PostgreSQL server', () => {
  it('migrates an empty database at start and serves on it; the CLI works on it directly', async () => {
    const database = await createTestDatabase({ empty: true });
    const dataDir = mkdtempSync(join(tmpdir(), 'loopmeter-pg-'));
    // The embedded test database speaks the PostgreSQL protocol too, but has a single session.
    const env = { PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: database.target.url, DATABASE_POOL_SIZE: testDatabaseKind() === 'embedded' ? '1' : '4' };
    const server = await startServer(AppConfig.fromEnv(env), silent);
    try {
      const health = await request(server.url, 'GET', '/api/health');
      expect(healthResponseSchema.parse(health.body)).toMatchObject({
        status: 'ok',
        database: { kind: 'postgres', reachable: true, migrations: { applied: MIGRATIONS.length, pending: [] } },
      });
    } finally {
      await server.close();
    }
    await database.waitForIdle();
    const created = await cli(['token', 'create', '--name', 'automation', '--scope', 'ingest', '--team', 'payments', '--json'], env);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'automation', scope: 'ingest', team: 'payments' });
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
});
