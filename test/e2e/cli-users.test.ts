import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiToken, AuditEntry, AuditList, Me, User } from '@loopmeter/shared';
import { runCli } from '../../server/src/cli/main';
import { AppConfig } from '../../server/src/core/config/app-config';
import { createRootLogger } from '../../server/src/core/logging/logger';
import { startServer, type RunningServer } from '../../server/src/server';
import { sessionCookieOf } from '../support/sign-in';
import { request, startTestApp, TEST_ADMIN_TOKEN } from '../support/test-app';
import { createTestDatabase, testDatabaseKind, withClient, type TestDatabase } from '../support/test-database';

/**
 * `npm run cli -- user ...`: user management from the operator CLI, like `token ...`: on PostgreSQL directly
 * (DATABASE_URL), and in embedded mode through the running server. Every change is audited.
 */

const PASSWORD = 'a-long-enough-password-42';

type Cli = (args: string[], stdin?: string) => Promise<{ code: number; stdout: string; stderr: string }>;

function cliFor(env: Record<string, string>, database?: TestDatabase): Cli {
  return async (args, stdin) => {
    let stdout = '';
    let stderr = '';
    try {
      const code = await runCli(args, env, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, { readStdin: async () => stdin ?? '' });
      return { code, stdout, stderr };
    } finally {
      // The embedded test database serves one client at a time: the next command waits for this one to leave.
      await database?.waitForIdle();
    }
  };
}

async function signInStatus(url: string, email: string, password: string): Promise<{ status: number; cookie?: string }> {
  const res = await request(url, 'POST', '/api/auth/login', { body: { email, password } });
  return { status: res.status, cookie: sessionCookieOf(res.headers) };
}

describe('user CLI on PostgreSQL (DATABASE_URL), directly', () => {
  let database: TestDatabase;
  let dir: string;
  let cli: Cli;

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'loopmeter-cli-users-'));
    cli = cliFor({ DATA_DIR: dir, LOG_LEVEL: 'silent', DATABASE_URL: database.target.url, DATABASE_POOL_SIZE: testDatabaseKind() === 'embedded' ? '1' : '2' }, database);
  });
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const auditRows = (action: string) =>
    withClient(database.target.url, async (c) => (await c.query<{ actor_kind: string; actor_label: string; target: string; details: Record<string, unknown> }>(`SELECT actor_kind, actor_label, target, details FROM audit_log WHERE action = $1 ORDER BY id`, [action])).rows);

  it('creates users with a role, an optional team and a password read from stdin (stored hashed), and audits each', async () => {
    const admin = await cli(['user', 'create', '--email', 'Root@Example.com', '--role', 'admin', '--password-stdin', '--json'], `${PASSWORD}\n`);
    expect(admin.code).toBe(0);
    const created = JSON.parse(admin.stdout) as User;
    expect(created).toMatchObject({ email: 'root@example.com', role: 'admin', team: null, passwordSignIn: true, disabled: false });

    const lead = await cli(['user', 'create', '--email', 'lena@example.com', '--role', 'lead', '--team', 'payments', '--password-stdin'], PASSWORD);
    expect(lead).toMatchObject({ code: 0, stderr: '' });
    expect(lead.stdout).toMatch(/^Created lead user lena@example\.com \(id [0-9a-f-]{36}\), team payments, with a password, via PostgreSQL \(DATABASE_URL\)\.\n$/);
    const sso = await cli(['user', 'create', '--email', 'sam@example.com', '--role', 'member']);
    expect(sso.stdout).toMatch(/^Created member user sam@example\.com \(id [0-9a-f-]{36}\), single sign-on only, via PostgreSQL/);

    const hashes = await withClient(database.target.url, (c) => c.query<{ email: string; password_hash: string | null }>(`SELECT email, password_hash FROM users ORDER BY email`));
    expect(hashes.rows.map((r) => [r.email, r.password_hash === null ? null : r.password_hash.startsWith('$2') ? 'bcrypt' : 'other'])).toEqual([
      ['lena@example.com', 'bcrypt'],
      ['root@example.com', 'bcrypt'],
      ['sam@example.com', null],
    ]);
    expect(JSON.stringify(hashes.rows)).not.toContain(PASSWORD);

    const audits = await auditRows('user.created');
    expect(audits.map((a) => [a.actor_kind, a.details.email, a.details.role, a.details.team ?? null])).toEqual([
      ['local-cli', 'root@example.com', 'admin', null],
      ['local-cli', 'lena@example.com', 'lead', 'payments'],
      ['local-cli', 'sam@example.com', 'member', null],
    ]);
    expect(audits[0].actor_label).toMatch(/^CLI /);
    expect(JSON.stringify(audits)).not.toContain(PASSWORD);
  });

  it('refuses bad input before touching the database: unknown role, short or missing password, duplicate email', async () => {
    expect(await cli(['user', 'create', '--email', 'x@example.com', '--role', 'boss'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--role/) });
    expect(await cli(['user', 'create', '--email', 'not-an-email', '--role', 'member'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--email/) });
    expect(await cli(['user', 'create', '--email', 'x@example.com', '--role', 'member', '--password-stdin'], 'short\n')).toMatchObject({ code: 2, stderr: expect.stringMatching(/at least 12 characters/) });
    expect(await cli(['user', 'create', '--email', 'x@example.com', '--role', 'member', '--password-stdin'], '')).toMatchObject({ code: 2, stderr: expect.stringMatching(/no password on stdin/) });
    await expect(cli(['user', 'create', '--email', 'lena@example.com', '--role', 'member'])).rejects.toThrow(/exists already/);
    expect(await cli(['user', 'set-role', 'lena@example.com'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--role/) });
    expect(await cli(['user', 'disable'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/give the user's email or id/) });
  });

  it('lists users, changes a role and disables a user (by email or id), refuses to leave no admin, and audits each change', async () => {
    const listed = await cli(['user', 'list']);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+EMAIL\s+ROLE\s+TEAM\s+SIGN-IN\s+LAST SIGN-IN\s+STATUS$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/).slice(1, 5))).toEqual([
      ['lena@example.com', 'lead', 'payments', 'password'],
      ['root@example.com', 'admin', '-', 'password'],
      ['sam@example.com', 'member', '-', 'sso only'],
    ]);

    const promoted = await cli(['user', 'set-role', 'SAM@example.com', '--role', 'executive']);
    expect(promoted).toEqual({ code: 0, stdout: 'sam@example.com is now executive.\n', stderr: '' });
    const users = JSON.parse((await cli(['user', 'list', '--json'])).stdout) as User[];
    const lena = users.find((u) => u.email === 'lena@example.com')!;
    expect(await cli(['user', 'disable', lena.id])).toEqual({ code: 0, stdout: 'lena@example.com is now disabled: they cannot sign in, and their sessions have ended.\n', stderr: '' });
    expect((await cli(['user', 'list'])).stdout).toMatch(/lena@example\.com\s+lead\s+payments\s+password\s+never\s+disabled/);
    await expect(cli(['user', 'set-role', 'root@example.com', '--role', 'member'])).rejects.toThrow(/last active admin/);
    await expect(cli(['user', 'disable', 'nobody@example.com'])).rejects.toThrow(/No user with the email nobody@example\.com/);

    const updates = await auditRows('user.updated');
    expect(updates.map((a) => [a.actor_kind, a.details.email, a.details.changes])).toEqual([
      ['local-cli', 'sam@example.com', { role: { from: 'member', to: 'executive' } }],
      ['local-cli', 'lena@example.com', { disabled: { from: false, to: true } }],
    ]);
  });

  it('lets the users it made sign in with the server on the same database, each with their role and team', async () => {
    const t = await startTestApp({ database });
    try {
      const root = await signInStatus(t.url, 'root@example.com', PASSWORD);
      expect(root.status).toBe(200);
      expect((await t.request<Me>('GET', '/api/auth/me', { headers: { cookie: root.cookie! } })).body).toMatchObject({ role: 'admin', teams: 'all' });
      // lena is disabled.
      expect((await signInStatus(t.url, 'lena@example.com', PASSWORD)).status).toBe(401);
      const enabled = await t.request<User>('PATCH', `/api/users/${(await t.request<{ items: User[] }>('GET', '/api/users', { token: TEST_ADMIN_TOKEN })).body.items.find((u) => u.email === 'lena@example.com')!.id}`, {
        token: TEST_ADMIN_TOKEN,
        body: { disabled: false },
      });
      expect(enabled.body).toMatchObject({ disabled: false, team: 'payments' });
      const lena = await signInStatus(t.url, 'lena@example.com', PASSWORD);
      expect((await t.request<Me>('GET', '/api/auth/me', { headers: { cookie: lena.cookie! } })).body).toMatchObject({ role: 'lead', teams: ['payments'], personDetail: ['payments'] });
    } finally {
      await t.close();
      await database.waitForIdle();
    }
  });

  it('audits token creation and revocation made directly, and lists tokens with their last use', async () => {
    const created = JSON.parse((await cli(['token', 'create', '--name', 'dashboard', '--scope', 'read', '--json'])).stdout) as ApiToken & { token: string };
    expect((await cli(['token', 'list'])).stdout).toMatch(new RegExp(`${created.id}\\s+dashboard\\s+read\\s+-\\s+-\\s+\\S+…\\s+never\\s+active`));
    const t = await startTestApp({ database });
    try {
      expect((await t.request('GET', '/api/teams', { token: created.token })).status).toBe(200);
      const listed = (await t.request<{ items: ApiToken[] }>('GET', '/api/tokens', { token: TEST_ADMIN_TOKEN })).body.items.find((x) => x.id === created.id)!;
      expect(Date.now() - Date.parse(listed.lastUsedAt!)).toBeLessThan(60_000);
    } finally {
      await t.close();
      await database.waitForIdle();
    }
    const list = await cli(['token', 'list', '--json']);
    const lastUsedAt = (JSON.parse(list.stdout) as ApiToken[]).find((x) => x.id === created.id)!.lastUsedAt!;
    expect(lastUsedAt).not.toBeNull();
    expect((await cli(['token', 'list'])).stdout).toMatch(new RegExp(`${created.id}\\s+dashboard\\s+read\\s+-\\s+-\\s+\\S+…\\s+${lastUsedAt.replace(/[.]/g, '\\.')}\\s+active`));
    expect((await cli(['token', 'revoke', created.id])).code).toBe(0);
    const tokenAudits = [...(await auditRows('token.created')), ...(await auditRows('token.revoked'))];
    expect(tokenAudits.map((a) => [a.actor_kind, a.target, a.details.name, a.details.scope])).toEqual([
      ['local-cli', created.id, 'dashboard', 'read'],
      ['local-cli', created.id, 'dashboard', 'read'],
    ]);
    expect(JSON.stringify(tokenAudits)).not.toContain(created.token);

    // Integration changes made directly are audited too, without their secrets.
    const integration = JSON.parse((await cli(['integration', 'create', '--kind', 'github', '--name', 'acme', '--json'])).stdout) as { id: string; secret: string };
    expect((await cli(['integration', 'disable', integration.id])).code).toBe(0);
    const integrationAudits = [...(await auditRows('integration.created')), ...(await auditRows('integration.updated'))];
    expect(integrationAudits.map((a) => [a.actor_kind, a.target, a.details.name])).toEqual([
      ['local-cli', integration.id, 'acme'],
      ['local-cli', integration.id, 'acme'],
    ]);
    expect(integrationAudits[1].details.change).toEqual({ status: 'disabled' });
    expect(JSON.stringify(integrationAudits)).not.toContain(integration.secret);
  });
});

describe('user CLI in embedded mode, through the running server', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let server: RunningServer | undefined;
  let cli: Cli;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'loopmeter-cli-users-embedded-'));
    env = { PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', LOOPMETER_ADMIN_TOKEN: TEST_ADMIN_TOKEN };
    cli = cliFor(env);
    server = await startServer(AppConfig.fromEnv(env), createRootLogger('silent'));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates, lists, changes and disables users through the server, audited as the local CLI', async () => {
    const created = await cli(['user', 'create', '--email', 'ops@example.com', '--role', 'admin', '--password-stdin'], `${PASSWORD}\r\n`);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^Created admin user ops@example\.com \(id [0-9a-f-]{36}\), with a password, via the running server at http:\/\/127\.0\.0\.1:\d+\.\n$/);
    const signedIn = await signInStatus(server!.url, 'ops@example.com', PASSWORD);
    expect(signedIn.status).toBe(200);

    expect((await cli(['user', 'create', '--email', 'max@example.com', '--role', 'member', '--team', 'search', '--password-stdin'], PASSWORD)).code).toBe(0);
    const users = JSON.parse((await cli(['user', 'list', '--json'])).stdout) as User[];
    expect(users.map((u) => [u.email, u.role, u.team])).toEqual([
      ['max@example.com', 'member', 'search'],
      ['ops@example.com', 'admin', null],
    ]);
    const max = await signInStatus(server!.url, 'max@example.com', PASSWORD);
    expect((await request<Me>(server!.url, 'GET', '/api/auth/me', { headers: { cookie: max.cookie! } })).body).toMatchObject({ role: 'member', teams: ['search'], personDetail: [] });
    expect((await cli(['user', 'set-role', 'max@example.com', '--role', 'lead'])).stdout).toBe('max@example.com is now lead (team search).\n');
    expect((await cli(['user', 'disable', 'max@example.com'])).code).toBe(0);
    // Disabling ended the session at once; the admin's session is untouched.
    expect((await request(server!.url, 'GET', '/api/auth/me', { headers: { cookie: max.cookie! } })).status).toBe(401);
    expect((await request(server!.url, 'GET', '/api/auth/me', { headers: { cookie: signedIn.cookie! } })).status).toBe(200);

    const audit = (await request<AuditList>(server!.url, 'GET', '/api/audit?action=user.&limit=10', { token: TEST_ADMIN_TOKEN })).body.items;
    const summary = (e: AuditEntry) => [e.action, e.actor.kind, e.details.email];
    expect(audit.map(summary)).toEqual([
      ['user.updated', 'local-cli', 'max@example.com'],
      ['user.updated', 'local-cli', 'max@example.com'],
      ['user.created', 'local-cli', 'max@example.com'],
      ['user.created', 'local-cli', 'ops@example.com'],
    ]);
    expect(JSON.stringify(audit)).not.toContain(PASSWORD);
  });
});
