import { createHash, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { IntegrationKind, IntegrationWithSecret } from '@loopmeter/shared';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  countRawEvents,
  createIntegration,
  DEFAULT_ORG_ID,
  expectError,
  fixtureBytes,
  fixtureJson,
  GITHUB_HOOK_ID,
  GITHUB_TARGET_ID,
  githubExample,
  githubExamples,
  hmacSha256Hex,
  rawEventRows,
  sendGithub,
  sendGitlab,
  sendJira,
  sendLinear,
  type DeliveryAnswer,
  type DeliveryOptions,
  type Payload,
  type RawEventRow,
  type SentDelivery,
} from '../support/webhook-senders';

/**
 * POST /webhooks/:kind/:integrationId, as GitHub, GitLab, Jira and Linear call it: every genuine delivery
 * lands once in raw_events with the bytes received; forgeries and garbage are refused and store nothing.
 */

const MAX_BODY_BYTES = 25 * 1024 * 1024;

/** Headers that carry a credential or a signature: never kept with the raw delivery. */
const NEVER_STORED_HEADERS = ['authorization', 'cookie', 'x-hub-signature', 'x-hub-signature-256', 'x-gitlab-token', 'webhook-signature', 'linear-signature'];

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

function expectStoredHeaders(row: RawEventRow, expected: Record<string, string>, sent: SentDelivery<unknown>['sent'], secret: string): void {
  expect(row.headers).toMatchObject(expected);
  expect(Object.keys(row.headers).filter((name) => NEVER_STORED_HEADERS.includes(name.toLowerCase()))).toEqual([]);
  const stored = JSON.stringify(row.headers);
  expect(stored).not.toContain(secret);
  for (const name of NEVER_STORED_HEADERS) {
    if (sent.headers[name]) expect(stored).not.toContain(sent.headers[name]);
  }
}

function expectReceivedBetween(row: RawEventRow, before: number, after: number): void {
  expect(row.received_at).toBeInstanceOf(Date);
  expect(row.received_at.getTime()).toBeGreaterThanOrEqual(before - 1000);
  expect(row.received_at.getTime()).toBeLessThanOrEqual(after + 1000);
}

/** A JSON object of exactly `size` bytes: `fields` and a padding string. */
function jsonOfSize(size: number, fields: Record<string, unknown>): Buffer {
  const empty = JSON.stringify({ ...fields, pad: '' });
  const body = JSON.stringify({ ...fields, pad: 'x'.repeat(size - Buffer.byteLength(empty)) });
  expect(Buffer.byteLength(body)).toBe(size);
  return Buffer.from(body, 'utf8');
}

const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** One relevant delivery per source, sent the way that source sends it, for the checks every source must pass. */
interface SourceCase {
  kind: IntegrationKind;
  eventType: string;
  /** A relevant payload (a Linear payload object gets a fresh webhookTimestamp when sent). */
  payload(): Payload;
  /** A payload object for building bodies of a given size (Linear needs its webhookTimestamp in it). */
  fields(): Record<string, unknown>;
  send(integration: IntegrationWithSecret, payload: Payload, options?: DeliveryOptions & { key?: string }): Promise<SentDelivery<DeliveryAnswer>>;
  /** The delivery key the sender's key header gives. */
  keyOf(key: string): string;
}

const SOURCES: SourceCase[] = [
  {
    kind: 'github',
    eventType: 'issues',
    payload: () => githubExample('issues'),
    fields: () => ({ action: 'opened' }),
    send: (integration, payload, options = {}) => sendGithub(t, integration, 'issues', payload, { ...options, deliveryId: options.key }),
    keyOf: (key) => `${GITHUB_HOOK_ID}:${key}`,
  },
  {
    kind: 'gitlab',
    eventType: 'Issue Hook',
    payload: () => fixtureBytes('gitlab', 'issue-hook.json'),
    fields: () => ({ object_kind: 'issue' }),
    send: (integration, payload, options = {}) => sendGitlab(t, integration, 'Issue Hook', payload, { ...options, idempotencyKey: options.key }),
    keyOf: (key) => key,
  },
  {
    kind: 'jira',
    eventType: 'jira:issue_created',
    payload: () => fixtureBytes('jira', 'issue-created.json'),
    fields: () => ({ webhookEvent: 'jira:issue_created' }),
    send: (integration, payload, options = {}) => sendJira(t, integration, payload, { ...options, identifier: options.key }),
    keyOf: (key) => key,
  },
  {
    kind: 'linear',
    eventType: 'Issue',
    payload: () => fixtureJson('linear', 'issue-create.json'),
    fields: () => ({ type: 'Issue', action: 'create', webhookTimestamp: Date.now() }),
    send: (integration, payload, options = {}) => sendLinear(t, integration, payload, { ...options, deliveryId: options.key, event: 'Issue' }),
    keyOf: (key) => key,
  },
];

describe('GitHub deliveries', () => {
  let github: IntegrationWithSecret;
  beforeAll(async () => {
    github = await createIntegration(t, 'github');
  });

  // The first example of each event in @octokit/webhooks-examples, with its action read by hand.
  it.each([
    ['issues', 'edited'],
    ['pull_request', 'opened'],
    ['pull_request_review', 'submitted'],
    ['push', null],
    ['create', null],
    ['delete', null],
    ['check_suite', 'completed'],
    ['check_run', 'created'],
    ['workflow_run', 'completed'],
    ['deployment', 'created'],
    ['deployment_status', 'created'],
  ])('stores a signed %s delivery once, with the bytes received and only safe headers (action %s)', async (event, action) => {
    const deliveryId = randomUUID();
    const before = Date.now();
    const res = await sendGithub(t, github, event, githubExample(event), { deliveryId });
    const after = Date.now();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'accepted', deliveryKey: `${GITHUB_HOOK_ID}:${deliveryId}`, eventType: event });

    const rows = (await rawEventRows(t, github.id)).filter((r) => r.delivery_key === `${GITHUB_HOOK_ID}:${deliveryId}`);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({
      org_id: DEFAULT_ORG_ID,
      source: 'github',
      source_key: github.id,
      integration_id: github.id,
      event_type: event,
      action,
      content_type: 'application/json',
      status: 'pending',
    });
    expect(row.id).toMatch(/^\d+$/);
    expect(row.body).toEqual(res.sent.body);
    expectReceivedBetween(row, before, after);
    expectStoredHeaders(
      row,
      {
        'x-github-event': event,
        'x-github-delivery': deliveryId,
        'x-github-hook-id': GITHUB_HOOK_ID,
        'x-github-hook-installation-target-type': 'repository',
        'x-github-hook-installation-target-id': GITHUB_TARGET_ID,
        'user-agent': 'GitHub-Hookshot/044aadd',
        'content-type': 'application/json',
      },
      res.sent,
      github.secret,
    );
  });

  it('accepts every example of the package for those events (109 payloads), each stored once with its own action', async () => {
    const integration = await createIntegration(t, 'github', { name: 'all examples' });
    const events = ['issues', 'pull_request', 'pull_request_review', 'push', 'create', 'delete', 'check_suite', 'check_run', 'workflow_run', 'deployment', 'deployment_status'];
    const deliveries = events.flatMap((event) => githubExamples(event).map((payload) => ({ event, payload, deliveryId: randomUUID() })));
    expect(deliveries).toHaveLength(109);
    for (const { event, payload, deliveryId } of deliveries) {
      const res = await sendGithub(t, integration, event, payload, { deliveryId });
      expect({ event, deliveryId, status: res.status, body: res.body }).toEqual({
        event,
        deliveryId,
        status: 200,
        body: { status: 'accepted', deliveryKey: `${GITHUB_HOOK_ID}:${deliveryId}`, eventType: event },
      });
    }
    const rows = await rawEventRows(t, integration.id);
    expect(rows).toHaveLength(109);
    expect(rows.map((r) => ({ key: r.delivery_key, event: r.event_type, action: r.action, status: r.status }))).toEqual(
      deliveries.map(({ event, payload, deliveryId }) => ({
        key: `${GITHUB_HOOK_ID}:${deliveryId}`,
        event,
        // GitHub puts the action in the payload, or none (push, create, delete).
        action: typeof payload.action === 'string' ? payload.action : null,
        status: 'pending',
      })),
    );
  });

  it("verifies GitHub's published test vector end to end: the signature passes, then the body is refused as not JSON", async () => {
    const vector = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    const body = Buffer.from('Hello, World!', 'utf8');
    // The helper signs exactly as GitHub does.
    expect(`sha256=${hmacSha256Hex("It's a Secret to Everybody", body)}`).toBe(vector);
    const integration = await createIntegration(t, 'github', { name: 'test vector', secret: "It's a Secret to Everybody" });
    const res = await sendGithub(t, integration, 'push', body, { signature: vector });
    expect(expectError(res, 400, 'invalid_json').message).toMatch(/JSON/);
    const other = await createIntegration(t, 'github', { name: 'test vector, other case', secret: "It's a secret to everybody" });
    expectError(await sendGithub(t, other, 'push', body, { signature: vector }), 401, 'bad_signature');
    expect(await rawEventRows(t, integration.id)).toEqual([]);
  });

  it('answers a ping (an event Loopmeter does not use) 200 ignored and stores it marked ignored', async () => {
    const deliveryId = randomUUID();
    const res = await sendGithub(t, github, 'ping', githubExample('ping'), { deliveryId });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ignored', deliveryKey: `${GITHUB_HOOK_ID}:${deliveryId}`, eventType: 'ping' });
    const rows = (await rawEventRows(t, github.id)).filter((r) => r.delivery_key === `${GITHUB_HOOK_ID}:${deliveryId}`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ event_type: 'ping', action: null, status: 'ignored' });
    expect(rows[0].body).toEqual(res.sent.body);
  });

  it('never stores an Authorization or Cookie header a proxy added', async () => {
    const integration = await createIntegration(t, 'github', { name: 'proxy headers' });
    const res = await sendGithub(t, integration, 'push', githubExample('push'), {
      headers: { authorization: 'Basic cHJveHk6cGFzc3dvcmQ=', cookie: 'session=abc123' },
    });
    expect(res.status).toBe(200);
    const [row] = await rawEventRows(t, integration.id);
    expectStoredHeaders(row, { 'x-github-event': 'push' }, res.sent, integration.secret);
    expect(JSON.stringify(row.headers)).not.toContain('cHJveHk6cGFzc3dvcmQ=');
    expect(JSON.stringify(row.headers)).not.toContain('session=abc123');
  });

  it('answers a redelivery (same hook and delivery id) 200 duplicate and keeps the first version only', async () => {
    const integration = await createIntegration(t, 'github', { name: 'redelivery' });
    const deliveryId = randomUUID();
    const first = await sendGithub(t, integration, 'issues', githubExample('issues', 0), { deliveryId });
    expect(first.body).toEqual({ status: 'accepted', deliveryKey: `${GITHUB_HOOK_ID}:${deliveryId}`, eventType: 'issues' });
    const again = await sendGithub(t, integration, 'issues', githubExample('issues', 0), { deliveryId });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ status: 'duplicate', deliveryKey: `${GITHUB_HOOK_ID}:${deliveryId}`, eventType: 'issues' });
    // The key decides, not the bytes: another body under the same key is still the same delivery.
    const edited = await sendGithub(t, integration, 'issues', githubExample('issues', 1), { deliveryId });
    expect(edited.status).toBe(200);
    expect((edited.body as { status: string }).status).toBe('duplicate');
    const rows = await rawEventRows(t, integration.id);
    expect(rows).toHaveLength(1);
    expect(rows[0].body).toEqual(first.sent.body);
  });

  it('keys deliveries by hook id too: the same delivery id from another hook is another delivery', async () => {
    const integration = await createIntegration(t, 'github', { name: 'two hooks' });
    const deliveryId = randomUUID();
    const fromRepoHook = await sendGithub(t, integration, 'push', githubExample('push'), { deliveryId, hookId: '111' });
    const fromOrgHook = await sendGithub(t, integration, 'push', githubExample('push'), { deliveryId, hookId: '222' });
    expect(fromRepoHook.body).toEqual({ status: 'accepted', deliveryKey: `111:${deliveryId}`, eventType: 'push' });
    expect(fromOrgHook.body).toEqual({ status: 'accepted', deliveryKey: `222:${deliveryId}`, eventType: 'push' });
    expect((await rawEventRows(t, integration.id)).map((r) => r.delivery_key)).toEqual([`111:${deliveryId}`, `222:${deliveryId}`]);
  });

  it('deduplicates per integration: the same delivery sent to two integrations is stored by each', async () => {
    const first = await createIntegration(t, 'github', { name: 'first' });
    const second = await createIntegration(t, 'github', { name: 'second' });
    const deliveryId = randomUUID();
    const a = await sendGithub(t, first, 'push', githubExample('push'), { deliveryId });
    const b = await sendGithub(t, second, 'push', githubExample('push'), { deliveryId });
    expect((a.body as { status: string }).status).toBe('accepted');
    expect((b.body as { status: string }).status).toBe('accepted');
    expect(await rawEventRows(t, first.id)).toHaveLength(1);
    expect(await rawEventRows(t, second.id)).toHaveLength(1);
  });

  it('refuses a body changed after signing, a made-up signature and a SHA-1-only signature with 401 bad_signature', async () => {
    const integration = await createIntegration(t, 'github', { name: 'forgeries' });
    const body = Buffer.from(JSON.stringify(githubExample('pull_request')), 'utf8');
    const tampered = Buffer.from(body.toString('utf8').replace('"opened"', '"closed"'), 'utf8');
    expect(tampered.equals(body)).toBe(false);
    const changed = await sendGithub(t, integration, 'pull_request', tampered, { signature: `sha256=${hmacSha256Hex(integration.secret, body)}` });
    expect(expectError(changed, 401, 'bad_signature').message).toMatch(/X-Hub-Signature-256/);
    expectError(await sendGithub(t, integration, 'pull_request', body, { signature: `sha256=${'0'.repeat(64)}` }), 401, 'bad_signature');
    expectError(await sendGithub(t, integration, 'pull_request', body, { secret: 'not-the-integration-secret' }), 401, 'bad_signature');
    expectError(await sendGithub(t, integration, 'pull_request', body, { signature: hmacSha256Hex(integration.secret, body) }), 401, 'bad_signature');
    const sha1Only = await sendGithub(t, integration, 'pull_request', body, { omitSignature: true, headers: { 'x-hub-signature': 'sha1=' + '0'.repeat(40) } });
    expectError(sha1Only, 401, 'missing_signature');
    expect(await rawEventRows(t, integration.id)).toEqual([]);
  });

  it('verifies before parsing: a forged body that is not JSON is 401, not 400', async () => {
    const integration = await createIntegration(t, 'github', { name: 'forged garbage' });
    const res = await sendGithub(t, integration, 'push', Buffer.from('{"ref": "refs/heads/main",', 'utf8'), { secret: 'not-the-integration-secret' });
    expectError(res, 401, 'bad_signature');
    expect(await rawEventRows(t, integration.id)).toEqual([]);
  });

  it('answers a form-encoded delivery (the other content type GitHub offers) 415 and stores nothing', async () => {
    const integration = await createIntegration(t, 'github', { name: 'form encoded' });
    const form = Buffer.from(`payload=${encodeURIComponent(JSON.stringify(githubExample('push')))}`, 'utf8');
    const res = await sendGithub(t, integration, 'push', form, { contentType: 'application/x-www-form-urlencoded' });
    expect(expectError(res, 415, 'unsupported_media_type').message).toMatch(/application\/json/);
    expect(await rawEventRows(t, integration.id)).toEqual([]);
  });

  it('accepts a body of exactly 25 MiB and stores every byte', async () => {
    const integration = await createIntegration(t, 'github', { name: 'largest' });
    const body = jsonOfSize(MAX_BODY_BYTES, { ...githubExample('push') });
    const res = await sendGithub(t, integration, 'push', body);
    expect(res.status).toBe(200);
    expect((res.body as { status: string }).status).toBe('accepted');
    const rows = (await t.app.get(DataSource).query(
      `SELECT octet_length(body) AS size, encode(sha256(body), 'hex') AS digest FROM raw_events WHERE source_key = $1`,
      [integration.id],
    )) as Array<{ size: number; digest: string }>;
    expect(rows).toEqual([{ size: MAX_BODY_BYTES, digest: sha256Hex(body) }]);
  }, 120_000);
});

describe('GitLab deliveries', () => {
  let gitlab: IntegrationWithSecret;
  beforeAll(async () => {
    gitlab = await createIntegration(t, 'gitlab');
  });

  // Actions from test/fixtures/gitlab/README.md.
  it.each([
    ['push-hook.json', 'Push Hook', null],
    ['merge-request-hook.json', 'Merge Request Hook', 'open'],
    ['pipeline-hook.json', 'Pipeline Hook', null],
    ['deployment-hook.json', 'Deployment Hook', null],
    ['issue-hook.json', 'Issue Hook', 'open'],
  ])('stores %s (%s) once, with the file bytes and only safe headers', async (file, event, action) => {
    const key = randomUUID();
    const before = Date.now();
    const res = await sendGitlab(t, gitlab, event, fixtureBytes('gitlab', file), { idempotencyKey: key });
    const after = Date.now();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'accepted', deliveryKey: key, eventType: event });
    const rows = (await rawEventRows(t, gitlab.id)).filter((r) => r.delivery_key === key);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({
      org_id: DEFAULT_ORG_ID,
      source: 'gitlab',
      source_key: gitlab.id,
      integration_id: gitlab.id,
      event_type: event,
      action,
      content_type: 'application/json',
      status: 'pending',
    });
    expect(row.body).toEqual(fixtureBytes('gitlab', file));
    expectReceivedBetween(row, before, after);
    expectStoredHeaders(
      row,
      {
        'x-gitlab-event': event,
        'idempotency-key': key,
        'x-gitlab-event-uuid': res.sent.headers['x-gitlab-event-uuid'],
        'x-gitlab-webhook-uuid': '6d8b0e5d-2ae4-4a3c-9f0b-4a5a6e0c1f22',
        'x-gitlab-instance': 'https://gitlab.example.com',
        'user-agent': 'GitLab/18.8.0',
        'content-type': 'application/json',
      },
      res.sent,
      gitlab.secret,
    );
  });

  it('accepts a webhook with a signing token (Standard Webhooks), with or without X-Gitlab-Token, and never stores the signature', async () => {
    const integration = await createIntegration(t, 'gitlab', { name: 'signing token' });
    const both = await sendGitlab(t, integration, 'Merge Request Hook', fixtureBytes('gitlab', 'merge-request-hook.json'), { standardWebhooks: true });
    expect(both.status).toBe(200);
    expect((both.body as { status: string }).status).toBe('accepted');
    const signedOnly = await sendGitlab(t, integration, 'Pipeline Hook', fixtureBytes('gitlab', 'pipeline-hook.json'), { standardWebhooks: true, sendToken: false });
    expect(signedOnly.status).toBe(200);
    expect((signedOnly.body as { status: string }).status).toBe('accepted');
    const rows = await rawEventRows(t, integration.id);
    expect(rows.map((r) => r.event_type)).toEqual(['Merge Request Hook', 'Pipeline Hook']);
    expectStoredHeaders(rows[0], { 'webhook-id': both.sent.headers['webhook-id'], 'webhook-timestamp': both.sent.headers['webhook-timestamp'] }, both.sent, integration.secret);
    expectStoredHeaders(rows[1], { 'x-gitlab-event': 'Pipeline Hook' }, signedOnly.sent, integration.secret);
  });

  it('keys a delivery without Idempotency-Key by the SHA-256 of its body: the same body again is a duplicate', async () => {
    const integration = await createIntegration(t, 'gitlab', { name: 'no idempotency key' });
    const body = fixtureBytes('gitlab', 'push-hook.json');
    const first = await sendGitlab(t, integration, 'Push Hook', body, { idempotencyKey: null });
    expect(first.body).toEqual({ status: 'accepted', deliveryKey: sha256Hex(body), eventType: 'Push Hook' });
    const again = await sendGitlab(t, integration, 'Push Hook', body, { idempotencyKey: null });
    expect(again.body).toEqual({ status: 'duplicate', deliveryKey: sha256Hex(body), eventType: 'Push Hook' });
    expect(await rawEventRows(t, integration.id)).toHaveLength(1);
  });

  it('answers a Note Hook (not used by Loopmeter) 200 ignored and stores it marked ignored', async () => {
    const key = randomUUID();
    const res = await sendGitlab(t, gitlab, 'Note Hook', fixtureBytes('gitlab', 'note-hook.json'), { idempotencyKey: key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ignored', deliveryKey: key, eventType: 'Note Hook' });
    const rows = (await rawEventRows(t, gitlab.id)).filter((r) => r.delivery_key === key);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ event_type: 'Note Hook', action: 'create', status: 'ignored' });
  });

  it('refuses a wrong token and a wrong or stale Standard Webhooks signature, storing nothing', async () => {
    const integration = await createIntegration(t, 'gitlab', { name: 'gitlab forgeries' });
    const body = fixtureBytes('gitlab', 'merge-request-hook.json');
    const wrongToken = await sendGitlab(t, integration, 'Merge Request Hook', body, { secret: 'not-the-integration-secret' });
    expect(expectError(wrongToken, 401, 'bad_signature').message).toMatch(/X-Gitlab-Token/);
    const prefixOfToken = await sendGitlab(t, integration, 'Merge Request Hook', body, { signature: integration.secret.slice(0, -1) });
    expectError(prefixOfToken, 401, 'bad_signature');
    const wrongSignature = await sendGitlab(t, integration, 'Merge Request Hook', body, {
      sendToken: false,
      standardWebhooks: { secret: 'whsec_' + Buffer.alloc(32, 7).toString('base64') },
    });
    expectError(wrongSignature, 401, 'bad_signature');
    // Six minutes old: outside the Standard Webhooks tolerance of five.
    const stale = await sendGitlab(t, integration, 'Merge Request Hook', body, { standardWebhooks: { timestamp: Math.floor(Date.now() / 1000) - 360 } });
    expect(expectError(stale, 401, 'stale_timestamp').message).toMatch(/webhook-timestamp/);
    const missing = await sendGitlab(t, integration, 'Merge Request Hook', body, { omitSignature: true });
    expect(expectError(missing, 401, 'missing_signature').message).toMatch(/X-Gitlab-Token/);
    expect(await rawEventRows(t, integration.id)).toEqual([]);
  });
});

describe('Jira deliveries', () => {
  let jira: IntegrationWithSecret;
  beforeAll(async () => {
    jira = await createIntegration(t, 'jira');
  });

  // issue_event_type_name values from test/fixtures/jira/README.md.
  it.each([
    ['issue-created.json', 'jira:issue_created', 'issue_created'],
    ['issue-updated-status.json', 'jira:issue_updated', 'issue_generic'],
  ])('stores %s (%s) once, with the file bytes and only safe headers', async (file, event, action) => {
    const identifier = randomUUID();
    const before = Date.now();
    const res = await sendJira(t, jira, fixtureBytes('jira', file), { identifier });
    const after = Date.now();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'accepted', deliveryKey: identifier, eventType: event });
    const rows = (await rawEventRows(t, jira.id)).filter((r) => r.delivery_key === identifier);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({
      org_id: DEFAULT_ORG_ID,
      source: 'jira',
      source_key: jira.id,
      integration_id: jira.id,
      event_type: event,
      action,
      // As received: Jira sends a charset parameter.
      content_type: 'application/json; charset=UTF-8',
      status: 'pending',
    });
    expect(row.body).toEqual(fixtureBytes('jira', file));
    expectReceivedBetween(row, before, after);
    expectStoredHeaders(
      row,
      {
        'x-atlassian-webhook-identifier': identifier,
        'x-atlassian-webhook-flow': 'Primary',
        'user-agent': 'Atlassian Webhook HTTP Client',
        'content-type': 'application/json; charset=UTF-8',
      },
      res.sent,
      jira.secret,
    );
  });

  it('answers comment_created (not used by Loopmeter) 200 ignored and stores it marked ignored', async () => {
    const identifier = randomUUID();
    const res = await sendJira(t, jira, fixtureBytes('jira', 'comment-created.json'), { identifier });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ignored', deliveryKey: identifier, eventType: 'comment_created' });
    const rows = (await rawEventRows(t, jira.id)).filter((r) => r.delivery_key === identifier);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ event_type: 'comment_created', action: null, status: 'ignored' });
  });

  it('refuses an unsigned delivery and a wrong X-Hub-Signature when the integration has a secret', async () => {
    const integration = await createIntegration(t, 'jira', { name: 'jira forgeries' });
    const body = fixtureBytes('jira', 'issue-updated-status.json');
    expect(expectError(await sendJira(t, integration, body, { omitSignature: true }), 401, 'missing_signature').message).toMatch(/X-Hub-Signature/);
    expectError(await sendJira(t, integration, body, { secret: 'not-the-integration-secret' }), 401, 'bad_signature');
    const tampered = Buffer.from(body.toString('utf8').replace('In Progress', 'Done'), 'utf8');
    expectError(await sendJira(t, integration, tampered, { signature: `sha256=${hmacSha256Hex(integration.secret, body)}` }), 401, 'bad_signature');
    expect(await rawEventRows(t, integration.id)).toEqual([]);
  });

  it('accepts unsigned deliveries for an integration created unsigned, but still checks a signature that is sent', async () => {
    const integration = await createIntegration(t, 'jira', { name: 'legacy jira', unsigned: true });
    expect(integration.signed).toBe(false);
    const unsigned = await sendJira(t, integration, fixtureBytes('jira', 'issue-created.json'), { omitSignature: true });
    expect(unsigned.status).toBe(200);
    expect((unsigned.body as { status: string }).status).toBe('accepted');
    const forged = await sendJira(t, integration, fixtureBytes('jira', 'issue-created.json'), { secret: 'not-the-integration-secret' });
    expectError(forged, 401, 'bad_signature');
    expect(await rawEventRows(t, integration.id)).toHaveLength(1);
  });
});

describe('Linear deliveries', () => {
  let linear: IntegrationWithSecret;
  beforeAll(async () => {
    linear = await createIntegration(t, 'linear');
  });

  it.each([
    ['issue-create.json', 'create'],
    ['issue-update.json', 'update'],
  ])('stores %s (Issue %s) once, with the bytes received and only safe headers', async (file, action) => {
    const deliveryId = randomUUID();
    const before = Date.now();
    const res = await sendLinear(t, linear, fixtureJson('linear', file), { deliveryId });
    const after = Date.now();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'accepted', deliveryKey: deliveryId, eventType: 'Issue' });
    const rows = (await rawEventRows(t, linear.id)).filter((r) => r.delivery_key === deliveryId);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({
      org_id: DEFAULT_ORG_ID,
      source: 'linear',
      source_key: linear.id,
      integration_id: linear.id,
      event_type: 'Issue',
      action,
      content_type: 'application/json; charset=utf-8',
      status: 'pending',
    });
    expect(row.body).toEqual(res.sent.body);
    expectReceivedBetween(row, before, after);
    expectStoredHeaders(
      row,
      { 'linear-delivery': deliveryId, 'linear-event': 'Issue', 'user-agent': 'Linear-Webhook', 'content-type': 'application/json; charset=utf-8' },
      res.sent,
      linear.secret,
    );
  });

  it('answers a Comment (not used by Loopmeter) 200 ignored and stores it marked ignored', async () => {
    const deliveryId = randomUUID();
    const res = await sendLinear(t, linear, fixtureJson('linear', 'comment-create.json'), { deliveryId });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ignored', deliveryKey: deliveryId, eventType: 'Comment' });
    const rows = (await rawEventRows(t, linear.id)).filter((r) => r.delivery_key === deliveryId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ event_type: 'Comment', action: 'create', status: 'ignored' });
  });

  it('refuses a webhookTimestamp more than 60 s old or ahead (401 stale_timestamp), and takes one 30 s old', async () => {
    const integration = await createIntegration(t, 'linear', { name: 'linear clock' });
    const payload = fixtureJson('linear', 'issue-update.json');
    const old = await sendLinear(t, integration, payload, { timestamp: Date.now() - 120_000 });
    expect(expectError(old, 401, 'stale_timestamp').message).toMatch(/webhookTimestamp/);
    expectError(await sendLinear(t, integration, payload, { timestamp: Date.now() + 120_000 }), 401, 'stale_timestamp');
    // The fixture's own timestamp (2026-01-02T09:45:00.480Z) replayed now.
    expectError(await sendLinear(t, integration, fixtureBytes('linear', 'issue-update.json')), 401, 'stale_timestamp');
    expect(await rawEventRows(t, integration.id)).toEqual([]);
    const recent = await sendLinear(t, integration, payload, { timestamp: Date.now() - 30_000 });
    expect(recent.status).toBe(200);
    expect(await rawEventRows(t, integration.id)).toHaveLength(1);
  });

  it('refuses a missing or wrong Linear-Signature, storing nothing', async () => {
    const integration = await createIntegration(t, 'linear', { name: 'linear forgeries' });
    const payload = fixtureJson('linear', 'issue-create.json');
    expect(expectError(await sendLinear(t, integration, payload, { omitSignature: true }), 401, 'missing_signature').message).toMatch(/Linear-Signature/);
    expectError(await sendLinear(t, integration, payload, { secret: 'not-the-integration-secret' }), 401, 'bad_signature');
    // A stale forgery is a bad signature: the signature is checked before the timestamp.
    expectError(await sendLinear(t, integration, payload, { secret: 'not-the-integration-secret', timestamp: Date.now() - 3_600_000 }), 401, 'bad_signature');
    expect(await rawEventRows(t, integration.id)).toEqual([]);
  });
});

describe.each(SOURCES)('every source: $kind', (source) => {
  it('answers a repeat of a delivery 200 duplicate and writes nothing', async () => {
    const integration = await createIntegration(t, source.kind, { name: `${source.kind} duplicates` });
    const key = randomUUID();
    const payload = source.payload();
    const first = await source.send(integration, payload, { key });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ status: 'accepted', deliveryKey: source.keyOf(key), eventType: source.eventType });
    const again = await source.send(integration, payload, { key });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ status: 'duplicate', deliveryKey: source.keyOf(key), eventType: source.eventType });
    const rows = await rawEventRows(t, integration.id);
    expect(rows).toHaveLength(1);
    expect(rows[0].body).toEqual(first.sent.body);
  });

  it('stores 20 concurrent copies of one delivery exactly once, answering all of them 2xx', async () => {
    const integration = await createIntegration(t, source.kind, { name: `${source.kind} concurrent` });
    const key = randomUUID();
    // One delivery, byte for byte: a Linear payload is stamped once, as a retrying sender would resend it.
    const payload = source.kind === 'linear' ? Buffer.from(JSON.stringify({ ...(source.payload() as Record<string, unknown>), webhookTimestamp: Date.now() }), 'utf8') : source.payload();
    const answers = await Promise.all(Array.from({ length: 20 }, () => source.send(integration, payload, { key })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const statuses = answers.map((a) => (a.body as { status: string }).status).sort();
    expect(statuses).toEqual(['accepted', ...Array(19).fill('duplicate')]);
    expect(new Set(answers.map((a) => (a.body as { deliveryKey: string }).deliveryKey))).toEqual(new Set([source.keyOf(key)]));
    const rows = await rawEventRows(t, integration.id);
    expect(rows).toHaveLength(1);
    expect(rows[0].body).toEqual(answers[0].sent.body);
  });

  it('answers a correctly signed body that is not JSON 400 invalid_json naming the problem, and stores nothing', async () => {
    const integration = await createIntegration(t, source.kind, { name: `${source.kind} broken json` });
    const text = '{"object_kind": "issue", "action": "open",';
    let parserMessage = '';
    try {
      JSON.parse(text);
    } catch (error) {
      parserMessage = (error as Error).message;
    }
    const res = await source.send(integration, Buffer.from(text, 'utf8'));
    if (source.kind === 'linear' && res.status === 401) {
      // Linear's check reads webhookTimestamp from the body: a body that is not JSON has none to read.
      expect(expectError(res, 401, 'stale_timestamp').message).toMatch(/webhookTimestamp/);
    } else {
      const error = expectError(res, 400, 'invalid_json');
      expect(error.message).toMatch(/JSON/);
      expect(error.message).toContain(parserMessage);
    }
    expect(await rawEventRows(t, integration.id)).toEqual([]);
  });

  it('answers a body over 25 MiB 413 payload_too_large and stores nothing', async () => {
    const integration = await createIntegration(t, source.kind, { name: `${source.kind} oversize` });
    const res = await source.send(integration, jsonOfSize(MAX_BODY_BYTES + 1, source.fields()));
    expectError(res, 413, 'payload_too_large');
    expect(await rawEventRows(t, integration.id)).toEqual([]);
  });

  it('answers a content type other than application/json 415 unsupported_media_type and stores nothing', async () => {
    const integration = await createIntegration(t, source.kind, { name: `${source.kind} text/plain` });
    const payload = source.payload();
    const res = await source.send(integration, payload, { contentType: 'text/plain' });
    expectError(res, 415, 'unsupported_media_type');
    expect(await rawEventRows(t, integration.id)).toEqual([]);
  });

  it('answers an unknown, malformed or other-kind integration id 404 integration_not_found and stores nothing', async () => {
    const integration = await createIntegration(t, source.kind, { name: `${source.kind} real` });
    const otherKind: IntegrationKind = source.kind === 'github' ? 'linear' : 'github';
    const other = await createIntegration(t, otherKind, { name: `${otherKind} for a ${source.kind} delivery` });
    const rowsBefore = await countRawEvents(t);
    const unknown = await source.send({ ...integration, id: randomUUID() }, source.payload());
    expect(expectError(unknown, 404, 'integration_not_found').message.length).toBeGreaterThan(0);
    expectError(await source.send({ ...integration, id: 'not-a-uuid' }, source.payload()), 404, 'integration_not_found');
    // Signed with the other integration's own secret: still not a delivery for it.
    expectError(await source.send(other, source.payload()), 404, 'integration_not_found');
    expect(await countRawEvents(t)).toBe(rowsBefore);
  });
});
