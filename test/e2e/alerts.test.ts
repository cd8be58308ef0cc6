import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import {
  alertDestinationListSchema,
  alertDestinationWithSecretSchema,
  errorResponseSchema,
  regressionFindingSchema,
  regressionRunSchema,
  type AlertDestinationWithSecret,
} from '@loopmeter/shared';
import { AlertDeliveryWorker } from '../../server/src/alerts/alert-delivery.worker';
import { RegressionData } from '../support/regression-data';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * Alerts for new regression findings, to receivers of this test's own: a generic webhook that checks our
 * signature the way a receiver would (HMAC-SHA256 of the raw body, constant-time compare) and fails its first
 * request, a Slack-compatible receiver, and one that always fails. Deliveries are durable and retried with backoff.
 */

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  status: number;
}

/** A local HTTP receiver answering each request with the status `answer` picks. */
async function receiver(answer: (path: string, count: number) => number): Promise<{ url: string; requests: Received[]; close(): Promise<void> }> {
  const requests: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const status = answer(path, requests.filter((r) => r.path === path).length);
      requests.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try again');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** What a receiver does with X-Loopmeter-Signature-256 (docs/alerts.md), written here independently of the server's code. */
function validSignature(secret: string, body: string, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`);
  const received = Buffer.from(header);
  return received.length === expected.length && timingSafeEqual(received, expected);
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const SECRET = 'receiver-secret-0123456789';
const ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');
const SLACK_TOKEN_PATH = '/services/T0AAAAAAA/B0BBBBBBB/slacktokenXyZ9';

describe('alert delivery', () => {
  let t: TestApp;
  let database: TestDatabase;
  let data: RegressionData;
  let recentUnmergedCodex: number[];
  let hooks: Awaited<ReturnType<typeof receiver>>;
  let webhook: AlertDestinationWithSecret;
  let slack: AlertDestinationWithSecret;
  let broken: AlertDestinationWithSecret;

  beforeAll(async () => {
    // /hook fails its first request, /slack... always succeeds, /down always fails.
    hooks = await receiver((path, count) => (path === '/down' ? 503 : path === '/hook' && count === 0 ? 500 : 200));
    database = await createTestDatabase();
    t = await startApp();
  });
  afterAll(async () => {
    await t.close();
    await database.close();
    await hooks.close();
  });

  /** The server on this file's database (kept across restarts). */
  function startApp(): Promise<TestApp> {
    // One encryption key across restarts, as a real deployment keeps DATA_DIR/encryption.key or sets it.
    return startTestApp({ database, env: { ALERT_RETRY_BASE_SECONDS: '0.2', ALERT_MAX_ATTEMPTS: '3', PUBLIC_URL: 'https://loopmeter.example.com', LOOPMETER_ENCRYPTION_KEY: ENCRYPTION_KEY } });
  }

  async function create(body: Record<string, unknown>): Promise<AlertDestinationWithSecret> {
    const res = await t.request('POST', '/api/alert-destinations', { token: TEST_ADMIN_TOKEN, body });
    expect(res.status).toBe(201);
    return alertDestinationWithSecretSchema.parse(res.body);
  }

  it('configures a signed webhook, a Slack webhook and a generated secret; hides URLs and secrets afterwards', async () => {
    webhook = await create({ kind: 'webhook', url: `${hooks.url}/hook`, secret: SECRET, name: 'incident bot' });
    expect(webhook).toMatchObject({ kind: 'webhook', name: 'incident bot', signed: true, secret: SECRET, deliveries: { pending: 0, delivered: 0, failed: 0 } });
    slack = await create({ kind: 'slack', url: `${hooks.url}${SLACK_TOKEN_PATH}` });
    expect(slack).toMatchObject({ kind: 'slack', signed: false, secret: null, url: `${hooks.url}/…XyZ9` });
    broken = await create({ kind: 'webhook', url: `${hooks.url}/down` });
    expect(broken.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const listed = await t.request('GET', '/api/alert-destinations', { token: TEST_ADMIN_TOKEN });
    expect(listed.status).toBe(200);
    expect(alertDestinationListSchema.parse(listed.body).items.map((d) => d.id)).toEqual([webhook.id, slack.id, broken.id]);
    expect(listed.text).not.toContain(SECRET);
    expect(listed.text).not.toContain('slacktoken');
    expect(listed.text).not.toContain(broken.secret!);

    // At rest, the URL and the secret are encrypted (SecretBox), like integration secrets.
    const rows: Array<{ url_sealed: Buffer; secret_sealed: Buffer | null; url_hint: string }> = await t.app.get(DataSource).query(`SELECT url_sealed, secret_sealed, url_hint FROM alert_destinations`);
    const stored = Buffer.concat(rows.flatMap((r) => [r.url_sealed, r.secret_sealed ?? Buffer.alloc(0), Buffer.from(r.url_hint)]));
    for (const plain of [SECRET, 'slacktoken', broken.secret!, '/hook']) expect(stored.includes(Buffer.from(plain))).toBe(false);
  });

  it('validates destinations: a Slack secret, a bad URL, and non-admin callers are refused', async () => {
    const slackSecret = await t.request('POST', '/api/alert-destinations', { token: TEST_ADMIN_TOKEN, body: { kind: 'slack', url: 'https://hooks.slack.com/x', secret: 'a-secret-long-enough' } });
    expect(slackSecret.status).toBe(400);
    const badUrl = await t.request('POST', '/api/alert-destinations', { token: TEST_ADMIN_TOKEN, body: { kind: 'webhook', url: 'ftp://example.com/x' } });
    expect(badUrl.status).toBe(400);
    const read = (await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'r', scope: 'read' } })).body.token;
    expect((await t.request('GET', '/api/alert-destinations', { token: read })).status).toBe(403);
    const gone = await t.request('DELETE', '/api/alert-destinations/6f1c2a51-8d0e-4b7a-9a57-2f7d3c1e9b10', { token: TEST_ADMIN_TOKEN });
    expect(gone.status).toBe(404);
    expect(errorResponseSchema.parse(gone.body).code).toBe('alert_destination_not_found');
  });

  it('delivers new findings signed like GitHub, retries a failed delivery with the same id and body, and gives up after the last attempt', async () => {
    data = new RegressionData(t);
    ({ recentUnmergedCodex } = await data.plantMergeRateDrop());
    const res = await t.request('POST', '/api/regressions/run', { token: TEST_ADMIN_TOKEN });
    expect(res.status).toBe(200);
    const run = regressionRunSchema.parse(res.body);
    // Two findings (team payments, agent codex) × three destinations.
    expect(run).toMatchObject({ opened: 2, alertsQueued: 6 });

    const db = t.app.get(DataSource);
    const statuses = async () =>
      (await db.query(`SELECT destination_id, status, attempts FROM alert_deliveries ORDER BY destination_id, id`)) as Array<{ destination_id: string; status: string; attempts: number }>;
    await until(async () => (await statuses()).every((d) => d.status !== 'pending'), 'every delivery to be delivered or given up');

    // The webhook: 3 requests for 2 deliveries (the first answered 500, retried ~0.2 s later and accepted).
    const hookRequests = hooks.requests.filter((r) => r.path === '/hook');
    expect(hookRequests.map((r) => r.status)).toEqual([500, 200, 200]);
    for (const r of hookRequests) {
      expect(validSignature(SECRET, r.body, r.headers['x-loopmeter-signature-256'])).toBe(true);
      expect(r.headers['x-loopmeter-event']).toBe('regression.opened');
      expect(r.headers['x-loopmeter-delivery']).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.headers['content-type']).toBe('application/json');
      const payload = JSON.parse(r.body) as { event: string; finding: unknown; links: { findings: string } };
      expect(payload.event).toBe('regression.opened');
      expect(regressionFindingSchema.parse(payload.finding).status).toBe('open');
      expect(payload.links.findings).toMatch(/^https:\/\/loopmeter\.example\.com\/api\/regressions\?/);
    }
    const [failed, ...accepted] = hookRequests;
    const retry = accepted.find((r) => r.headers['x-loopmeter-delivery'] === failed!.headers['x-loopmeter-delivery'])!;
    expect(retry.body).toBe(failed!.body);
    expect(validSignature('another secret', retry.body, retry.headers['x-loopmeter-signature-256'])).toBe(false);
    const findingKeys = hookRequests.map((r) => (JSON.parse(r.body) as { finding: { key: string } }).finding.key);
    expect([...new Set(findingKeys)].sort()).toEqual(['pr-merge-rate|agent|codex', 'pr-merge-rate|team|payments']);

    // Slack: two messages, { text, blocks }, unsigned.
    const slackRequests = hooks.requests.filter((r) => r.path === SLACK_TOKEN_PATH);
    expect(slackRequests).toHaveLength(2);
    for (const r of slackRequests) {
      expect(r.headers['x-loopmeter-signature-256']).toBeUndefined();
      const message = JSON.parse(r.body) as { text: string; blocks: Array<{ type: string }> };
      expect(Object.keys(message).sort()).toEqual(['blocks', 'text']);
      expect(message.text).toMatch(/^Regression: PR merge rate for (team payments|agent codex) fell from 70\.0% to (45|20)\.0%/);
      expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    }

    // The receiver that is down: 3 attempts per delivery (ALERT_MAX_ATTEMPTS), then failed for good.
    expect(hooks.requests.filter((r) => r.path === '/down')).toHaveLength(6);
    const byDestination = (id: string) => statuses().then((rows) => rows.filter((d) => d.destination_id === id).map((d) => [d.status, d.attempts]));
    expect((await byDestination(webhook.id)).sort()).toEqual([
      ['delivered', 1],
      ['delivered', 2],
    ]);
    expect(await byDestination(slack.id)).toEqual([
      ['delivered', 1],
      ['delivered', 1],
    ]);
    expect(await byDestination(broken.id)).toEqual([
      ['failed', 3],
      ['failed', 3],
    ]);

    const listed = alertDestinationListSchema.parse((await t.request('GET', '/api/alert-destinations', { token: TEST_ADMIN_TOKEN })).body).items;
    // The webhook's latest attempt succeeded (its 500 was retried); the one that is down says why.
    expect(listed.find((d) => d.id === webhook.id)).toMatchObject({ deliveries: { pending: 0, delivered: 2, failed: 0 }, lastError: null });
    expect(listed.find((d) => d.id === broken.id)).toMatchObject({ deliveries: { pending: 0, delivered: 0, failed: 2 }, lastError: 'the receiver answered HTTP 503' });
    // Neither secrets nor the Slack URL's token reach the logs.
    for (const secret of [SECRET, 'slacktoken', broken.secret!]) expect(t.logs.text()).not.toContain(secret);
  });

  it('does not alert again when a re-run finds the same regressions', async () => {
    const before = hooks.requests.length;
    const run = regressionRunSchema.parse((await t.request('POST', '/api/regressions/run', { token: TEST_ADMIN_TOKEN })).body);
    expect(run).toMatchObject({ opened: 0, updated: 2, alertsQueued: 0 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hooks.requests.length).toBe(before);
  });

  it('removes a destination with its deliveries', async () => {
    const res = await t.request('DELETE', `/api/alert-destinations/${broken.id}`, { token: TEST_ADMIN_TOKEN });
    expect(res.status).toBe(204);
    const left: Array<{ n: string }> = await t.app.get(DataSource).query(`SELECT count(*) AS n FROM alert_deliveries WHERE destination_id = $1`, [broken.id]);
    expect(Number(left[0]!.n)).toBe(0);
    expect(alertDestinationListSchema.parse((await t.request('GET', '/api/alert-destinations', { token: TEST_ADMIN_TOKEN })).body).items.map((d) => d.id)).toEqual([webhook.id, slack.id]);
  });

  it('keeps queued deliveries across a restart: a server that stops before sending, the next one sends', async () => {
    const run = async () => regressionRunSchema.parse((await t.request('POST', '/api/regressions/run', { token: TEST_ADMIN_TOKEN })).body);
    // The regression goes away (both findings resolve), then comes back while no worker sends anything.
    await data.merge(recentUnmergedCodex.slice(0, 15));
    expect((await run()).resolved).toBe(2);
    await t.app.get(AlertDeliveryWorker).stop();
    await data.unmerge(recentUnmergedCodex.slice(0, 15));
    expect(await run()).toMatchObject({ opened: 2, alertsQueued: 4 });
    const before = hooks.requests.length;
    await t.close();
    expect(hooks.requests.length).toBe(before);

    await database.waitForIdle();
    t = await startApp();
    const pending = async () => Number(((await t.app.get(DataSource).query(`SELECT count(*) AS n FROM alert_deliveries WHERE status = 'pending'`)) as Array<{ n: string }>)[0]!.n);
    await until(async () => (await pending()) === 0, 'the restarted server to send what was queued');
    const sent = hooks.requests.slice(before);
    expect(sent.filter((r) => r.path === '/hook').map((r) => r.status)).toEqual([200, 200]);
    expect(sent.filter((r) => r.path === SLACK_TOKEN_PATH)).toHaveLength(2);
    for (const r of sent.filter((x) => x.path === '/hook')) expect(validSignature(SECRET, r.body, r.headers['x-loopmeter-signature-256'])).toBe(true);
  });
});
