import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { integrationListSchema, integrationSchema, integrationWithSecretSchema, type Integration, type IntegrationWithSecret } from '@loopmeter/shared';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';
import {
  createIntegration,
  expectError,
  fixtureBytes,
  fixtureJson,
  githubExample,
  rawEventRows,
  sendGithub,
  sendGitlab,
  sendJira,
  sendLinear,
  standardWebhooksKey,
} from '../support/webhook-senders';

/** The integrations API: a source's webhook URL and secret, rotation with a grace period, disabling; secrets encrypted at rest. */

const PUBLIC_URL = 'https://loopmeter.example.com';
const BASE64URL_43 = /^[A-Za-z0-9_-]{43}$/;
const HOUR_MS = 3_600_000;

let t: TestApp;
/** Every secret this file saw: none may ever show up in the logs. */
const secretsSeen: string[] = [];

beforeAll(async () => {
  t = await startTestApp({ env: { PUBLIC_URL } });
});
afterAll(() => t.close());

async function create(body: Record<string, unknown>) {
  const res = await t.request<IntegrationWithSecret>('POST', '/api/integrations', { token: TEST_ADMIN_TOKEN, body });
  if (res.status === 201) secretsSeen.push(res.body.secret);
  return res;
}

async function rotate(id: string, body: Record<string, unknown> = {}) {
  const res = await t.request<IntegrationWithSecret>('POST', `/api/integrations/${id}/rotate-secret`, { token: TEST_ADMIN_TOKEN, body });
  if (res.status === 200) secretsSeen.push(res.body.secret);
  return res;
}

async function createToken(scope: 'read' | 'ingest'): Promise<string> {
  const res = await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: `${scope} token`, scope } });
  expect(res.status).toBe(201);
  return res.body.token;
}

/** Every row of every table in the public schema, as text (bytea shows as hex, jsonb as its text). */
async function everyRowAsText(): Promise<{ tables: string[]; text: string }> {
  const db = t.app.get(DataSource);
  const tables = ((await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`)) as Array<{ table_name: string }>).map(
    (r) => r.table_name,
  );
  const rows: string[] = [];
  for (const table of tables) {
    const result = (await db.query(`SELECT r::text AS row FROM public."${table.replace(/"/g, '""')}" r`)) as Array<{ row: string }>;
    rows.push(...result.map((r) => r.row));
  }
  return { tables, text: rows.join('\n') };
}

describe('creating integrations', () => {
  it('creates a GitHub integration: 201 with a generated secret and the webhook URL under PUBLIC_URL', async () => {
    const before = Date.now();
    const res = await create({ kind: 'github', name: 'acme/web' });
    expect(res.status).toBe(201);
    const integration = integrationWithSecretSchema.parse(res.body);
    expect(integration).toMatchObject({
      kind: 'github',
      name: 'acme/web',
      status: 'active',
      signed: true,
      webhookUrl: `${PUBLIC_URL}/webhooks/github/${integration.id}`,
      previousSecretExpiresAt: null,
      lastDeliveryAt: null,
    });
    expect(integration.secret).toMatch(BASE64URL_43);
    expect(Date.parse(integration.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(integration.secretCreatedAt)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('generates a Standard Webhooks signing secret for GitLab: whsec_ and the base64 of 32 random bytes', async () => {
    const first = await create({ kind: 'gitlab', name: 'group/project' });
    const second = await create({ kind: 'gitlab', name: 'group/other' });
    expect(first.status).toBe(201);
    expect(first.body.webhookUrl).toBe(`${PUBLIC_URL}/webhooks/gitlab/${first.body.id}`);
    for (const { secret } of [first.body, second.body]) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    }
    expect(first.body.secret).not.toBe(second.body.secret);
  });

  it.each(['jira', 'linear'] as const)('generates 43 base64url characters for %s, different each time', async (kind) => {
    const first = await create({ kind, name: `${kind} one` });
    const second = await create({ kind, name: `${kind} two` });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ kind, status: 'active', signed: true, webhookUrl: `${PUBLIC_URL}/webhooks/${kind}/${first.body.id}` });
    expect(first.body.secret).toMatch(BASE64URL_43);
    expect(second.body.secret).toMatch(BASE64URL_43);
    expect(first.body.secret).not.toBe(second.body.secret);
    expect(first.body.id).not.toBe(second.body.id);
  });

  it('keeps a secret given by the caller (the signing secret Linear generated), and deliveries signed with it verify', async () => {
    const linearSecret = 'lin_wh_Xq3v9TzKpL2mN8rB5cY7dF1gH4jW6sA0';
    const res = await create({ kind: 'linear', name: 'ENG team', secret: linearSecret });
    expect(res.status).toBe(201);
    expect(res.body.secret).toBe(linearSecret);
    const delivery = await sendLinear(t, res.body, fixtureJson('linear', 'issue-create.json'));
    expect(delivery.status).toBe(200);
    expect((delivery.body as { status: string }).status).toBe('accepted');
  });

  it('creates an unsigned Jira integration when asked (signed: false)', async () => {
    const res = await create({ kind: 'jira', name: 'legacy jira', unsigned: true });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'jira', signed: false, status: 'active' });
  });

  it('rejects a bad request with 400 validation_failed naming the field', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ kind: 'bitbucket', name: 'x' }, /kind/],
      [{ kind: 'github', name: '' }, /name/],
      [{ kind: 'github', name: 'short secret', secret: 'too-short' }, /secret/],
      [{ kind: 'github', name: 'unsigned github', unsigned: true }, /unsigned/],
      [{ kind: 'github', name: 'typo', secrets: 'x'.repeat(20) }, /secrets/],
    ];
    for (const [body, field] of cases) {
      const res = await create(body);
      expect(expectError(res, 400, 'validation_failed').message).toMatch(field);
    }
  });
});

describe('reading, listing and updating', () => {
  let github: IntegrationWithSecret;
  let jira: IntegrationWithSecret;
  beforeAll(async () => {
    github = (await create({ kind: 'github', name: 'listed github' })).body;
    jira = (await create({ kind: 'jira', name: 'listed jira' })).body;
  });

  it('lists integrations without any secret', async () => {
    const res = await t.request('GET', '/api/integrations', { token: TEST_ADMIN_TOKEN });
    expect(res.status).toBe(200);
    const list = integrationListSchema.parse(res.body);
    const ids = list.items.map((i) => i.id);
    expect(ids).toEqual(expect.arrayContaining([github.id, jira.id]));
    expect(list.items.find((i) => i.id === jira.id)).toMatchObject({ kind: 'jira', name: 'listed jira', status: 'active', webhookUrl: `${PUBLIC_URL}/webhooks/jira/${jira.id}` });
    for (const item of (res.body as { items: Array<Record<string, unknown>> }).items) expect(item).not.toHaveProperty('secret');
    for (const secret of secretsSeen) expect(res.text).not.toContain(secret);
  });

  it('reads one integration without its secret', async () => {
    const res = await t.request<Integration>('GET', `/api/integrations/${github.id}`, { token: TEST_ADMIN_TOKEN });
    expect(res.status).toBe(200);
    const { secret: _secret, ...withoutSecret } = github;
    expect(integrationSchema.parse(res.body)).toEqual(withoutSecret);
    expect(res.body).not.toHaveProperty('secret');
    expect(res.text).not.toContain(github.secret);
  });

  it('answers 404 integration_not_found for an unknown id on read, update and rotate', async () => {
    const id = randomUUID();
    expectError(await t.request('GET', `/api/integrations/${id}`, { token: TEST_ADMIN_TOKEN }), 404, 'integration_not_found');
    expectError(await t.request('PATCH', `/api/integrations/${id}`, { token: TEST_ADMIN_TOKEN, body: { name: 'x' } }), 404, 'integration_not_found');
    expectError(await rotate(id), 404, 'integration_not_found');
  });

  it('renames an integration, keeping its URL and secret', async () => {
    const res = await t.request<Integration>('PATCH', `/api/integrations/${github.id}`, { token: TEST_ADMIN_TOKEN, body: { name: 'acme/api' } });
    expect(res.status).toBe(200);
    expect(integrationSchema.parse(res.body)).toMatchObject({ id: github.id, name: 'acme/api', status: 'active', webhookUrl: github.webhookUrl });
    expect(Date.parse(res.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(github.updatedAt));
    expect((await t.request<Integration>('GET', `/api/integrations/${github.id}`, { token: TEST_ADMIN_TOKEN })).body.name).toBe('acme/api');
    const delivery = await sendGithub(t, github, 'push', githubExample('push'));
    expect(delivery.status).toBe(200);
  });

  it('rejects an empty update with 400 validation_failed', async () => {
    expectError(await t.request('PATCH', `/api/integrations/${github.id}`, { token: TEST_ADMIN_TOKEN, body: {} }), 400, 'validation_failed');
    expectError(await t.request('PATCH', `/api/integrations/${github.id}`, { token: TEST_ADMIN_TOKEN, body: { status: 'paused' } }), 400, 'validation_failed');
  });

  it('records the time of the last accepted delivery', async () => {
    const integration = (await create({ kind: 'github', name: 'last delivery' })).body;
    expect(integration.lastDeliveryAt).toBeNull();
    const before = Date.now();
    expect((await sendGithub(t, integration, 'push', githubExample('push'))).status).toBe(200);
    const after = (await t.request<Integration>('GET', `/api/integrations/${integration.id}`, { token: TEST_ADMIN_TOKEN })).body;
    expect(after.lastDeliveryAt).not.toBeNull();
    expect(Date.parse(after.lastDeliveryAt!)).toBeGreaterThanOrEqual(before - 1000);
  });
});

describe('who may manage integrations', () => {
  it('refuses read and ingest tokens with 403 insufficient_scope on every integrations route, and no token with 401', async () => {
    const integration = (await create({ kind: 'github', name: 'guarded' })).body;
    const routes: Array<[string, string, Record<string, unknown> | undefined]> = [
      ['POST', '/api/integrations', { kind: 'github', name: 'not allowed' }],
      ['GET', '/api/integrations', undefined],
      ['GET', `/api/integrations/${integration.id}`, undefined],
      ['PATCH', `/api/integrations/${integration.id}`, { status: 'disabled' }],
      ['POST', `/api/integrations/${integration.id}/rotate-secret`, {}],
    ];
    for (const scope of ['read', 'ingest'] as const) {
      const token = await createToken(scope);
      for (const [method, path, body] of routes) {
        const res = await t.request(method, path, { token, body });
        expect({ method, path, ...expectError(res, 403, 'insufficient_scope') }).toMatchObject({ method, path, details: { scope, required: ['admin'] } });
      }
    }
    for (const [method, path, body] of routes) expectError(await t.request(method, path, { body }), 401, 'missing_token');
    // Nothing changed: still active, still the same secret.
    const after = (await t.request<Integration>('GET', `/api/integrations/${integration.id}`, { token: TEST_ADMIN_TOKEN })).body;
    expect(after).toMatchObject({ status: 'active', previousSecretExpiresAt: null });
    expect((await sendGithub(t, integration, 'push', githubExample('push'))).status).toBe(200);
  });
});

describe('rotating a secret', () => {
  it('answers the new secret; during the 24-hour grace both secrets verify, and the old one is shown to expire', async () => {
    const integration = (await create({ kind: 'github', name: 'rotated' })).body;
    const before = Date.now();
    const res = await rotate(integration.id);
    const after = Date.now();
    expect(res.status).toBe(200);
    const rotated = integrationWithSecretSchema.parse(res.body);
    expect(rotated.id).toBe(integration.id);
    expect(rotated.webhookUrl).toBe(integration.webhookUrl);
    expect(rotated.secret).toMatch(BASE64URL_43);
    expect(rotated.secret).not.toBe(integration.secret);
    expect(Date.parse(rotated.previousSecretExpiresAt!)).toBeGreaterThanOrEqual(before + 24 * HOUR_MS - 1000);
    expect(Date.parse(rotated.previousSecretExpiresAt!)).toBeLessThanOrEqual(after + 24 * HOUR_MS + 1000);
    expect(Date.parse(rotated.secretCreatedAt)).toBeGreaterThanOrEqual(before - 1000);
    const read = (await t.request<Integration>('GET', `/api/integrations/${integration.id}`, { token: TEST_ADMIN_TOKEN })).body;
    expect(read.previousSecretExpiresAt).toBe(rotated.previousSecretExpiresAt);

    const withOld = await sendGithub(t, integration, 'push', githubExample('push'));
    const withNew = await sendGithub(t, rotated, 'push', githubExample('push'));
    expect([withOld.status, withNew.status]).toEqual([200, 200]);
    expect([withOld.body, withNew.body].map((b) => (b as { status: string }).status)).toEqual(['accepted', 'accepted']);
    expect(await rawEventRows(t, integration.id)).toHaveLength(2);
  });

  it('keeps two secrets at most: a second rotation retires the first secret', async () => {
    const first = (await create({ kind: 'jira', name: 'rotated twice' })).body;
    const second = (await rotate(first.id)).body;
    const third = (await rotate(first.id)).body;
    expect(new Set([first.secret, second.secret, third.secret]).size).toBe(3);
    const body = fixtureBytes('jira', 'issue-created.json');
    expectError(await sendJira(t, first, body), 401, 'bad_signature');
    expect((await sendJira(t, second, body)).status).toBe(200);
    expect((await sendJira(t, third, body)).status).toBe(200);
    expect(await rawEventRows(t, first.id)).toHaveLength(2);
  });

  it('with graceHours 0, refuses the old secret at once and accepts the new one', async () => {
    const integration = (await create({ kind: 'linear', name: 'rotated now' })).body;
    const res = await rotate(integration.id, { graceHours: 0 });
    expect(res.status).toBe(200);
    expect(res.body.secret).not.toBe(integration.secret);
    const payload = fixtureJson('linear', 'issue-update.json');
    expectError(await sendLinear(t, integration, payload), 401, 'bad_signature');
    const withNew = await sendLinear(t, res.body, payload);
    expect(withNew.status).toBe(200);
    expect(await rawEventRows(t, integration.id)).toHaveLength(1);
  });

  it('rotates to a secret given by the caller, and to a new GitLab signing secret when none is given', async () => {
    const linear = (await create({ kind: 'linear', name: 'given on rotation' })).body;
    const given = 'lin_wh_rotated_Pq8sT2vX5zB9cE3gJ6kM';
    const rotated = await rotate(linear.id, { secret: given, graceHours: 1 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toBe(given);
    expect((await sendLinear(t, rotated.body, fixtureJson('linear', 'issue-create.json'))).status).toBe(200);

    const gitlab = (await create({ kind: 'gitlab', name: 'gitlab rotation' })).body;
    const rotatedGitlab = await rotate(gitlab.id);
    expect(rotatedGitlab.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(rotatedGitlab.body.secret).not.toBe(gitlab.secret);
    const body = fixtureBytes('gitlab', 'push-hook.json');
    expect((await sendGitlab(t, gitlab, 'Push Hook', body)).status).toBe(200);
    expect((await sendGitlab(t, rotatedGitlab.body, 'Push Hook', body)).status).toBe(200);
  });

  it('rejects a bad rotation request with 400 validation_failed', async () => {
    const integration = (await create({ kind: 'github', name: 'bad rotation' })).body;
    expectError(await rotate(integration.id, { graceHours: -1 }), 400, 'validation_failed');
    expectError(await rotate(integration.id, { graceHours: 169 }), 400, 'validation_failed');
    expectError(await rotate(integration.id, { secret: 'short' }), 400, 'validation_failed');
    // Still the original secret, alone.
    expect((await t.request<Integration>('GET', `/api/integrations/${integration.id}`, { token: TEST_ADMIN_TOKEN })).body.previousSecretExpiresAt).toBeNull();
    expect((await sendGithub(t, integration, 'push', githubExample('push'))).status).toBe(200);
  });
});

describe('disabling an integration', () => {
  it('makes its webhook answer 404 integration_not_found and store nothing; enabling it again accepts deliveries', async () => {
    const integration = (await create({ kind: 'gitlab', name: 'to disable' })).body;
    const disabled = await t.request<Integration>('PATCH', `/api/integrations/${integration.id}`, { token: TEST_ADMIN_TOKEN, body: { status: 'disabled' } });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ id: integration.id, status: 'disabled' });
    const listed = (await t.request<{ items: Integration[] }>('GET', '/api/integrations', { token: TEST_ADMIN_TOKEN })).body.items.find((i) => i.id === integration.id);
    expect(listed?.status).toBe('disabled');

    const body = fixtureBytes('gitlab', 'merge-request-hook.json');
    expectError(await sendGitlab(t, integration, 'Merge Request Hook', body), 404, 'integration_not_found');
    expect(await rawEventRows(t, integration.id)).toEqual([]);

    const enabled = await t.request<Integration>('PATCH', `/api/integrations/${integration.id}`, { token: TEST_ADMIN_TOKEN, body: { status: 'active' } });
    expect(enabled.body.status).toBe('active');
    const delivery = await sendGitlab(t, integration, 'Merge Request Hook', body);
    expect(delivery.status).toBe(200);
    expect((delivery.body as { status: string }).status).toBe('accepted');
    expect(await rawEventRows(t, integration.id)).toHaveLength(1);
  });
});

describe('secrets at rest and in the logs', () => {
  it('stores no secret in plaintext in any table, not even the GitLab token a delivery carried', async () => {
    const integrations = [
      (await create({ kind: 'github', name: 'at rest github' })).body,
      (await create({ kind: 'gitlab', name: 'at rest gitlab' })).body,
      (await create({ kind: 'jira', name: 'at rest jira' })).body,
      (await create({ kind: 'linear', name: 'at rest linear', secret: 'lin_wh_at_rest_Zr4tY7uI0oP3aS6dF9gH' })).body,
    ];
    const rotated = (await rotate(integrations[1].id)).body;
    // A GitLab delivery carries the secret itself in X-Gitlab-Token, with both the old and the new one.
    expect((await sendGitlab(t, integrations[1], 'Push Hook', fixtureBytes('gitlab', 'push-hook.json'))).status).toBe(200);
    expect((await sendGitlab(t, rotated, 'Issue Hook', fixtureBytes('gitlab', 'issue-hook.json'))).status).toBe(200);

    const { tables, text } = await everyRowAsText();
    expect(tables).toEqual(expect.arrayContaining(['raw_events', 'migrations', 'api_tokens', 'orgs']));
    // The scan does see the integrations and the deliveries.
    for (const integration of integrations) expect(text).toContain(integration.id);
    expect(text).toContain('Push Hook');

    const secrets = [...new Set([...secretsSeen, rotated.secret])];
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    for (const secret of secrets) {
      const forms = [secret, Buffer.from(secret, 'utf8').toString('hex'), Buffer.from(secret, 'utf8').toString('base64')];
      if (secret.startsWith('whsec_')) forms.push(standardWebhooksKey(secret).toString('hex'));
      for (const form of forms) expect({ secret, found: text.includes(form) }).toEqual({ secret, found: false });
    }
  });

  it('keeps the generated encryption key in DATA_DIR/encryption.key, readable by its owner only', () => {
    const mode = statSync(join(t.config.dataDir, 'encryption.key')).mode & 0o777;
    expect(mode.toString(8)).toBe('600');
  });

  it('never writes a secret to the logs', async () => {
    // One more refused delivery, so a refusal's log line is covered too.
    const integration = (await create({ kind: 'gitlab', name: 'logged' })).body;
    expectError(await sendGitlab(t, integration, 'Push Hook', fixtureBytes('gitlab', 'push-hook.json'), { secret: 'whsec_' + Buffer.alloc(32, 1).toString('base64') }), 401, 'bad_signature');
    const logs = t.logs.text();
    expect(logs.length).toBeGreaterThan(0);
    expect(secretsSeen.length).toBeGreaterThanOrEqual(20);
    for (const secret of secretsSeen) expect({ secret, inLogs: logs.includes(secret) }).toEqual({ secret, inLogs: false });
    expect(logs).not.toContain(Buffer.alloc(32, 1).toString('base64'));
  });
});
