import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebhookRequest } from '../source-adapter';
import { jiraAdapter } from './jira.adapter';

const FIXTURES = join(__dirname, '../../../../test/fixtures/jira');
const SECRET = 'lm-jira-secret-for-tests';
const NOW = new Date('2026-01-02T10:00:00Z');
const SIGNED = { requireSignature: true, now: NOW };
const UNSIGNED = { requireSignature: false, now: NOW };

function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

function request(rawBody: Buffer, headers: WebhookRequest['headers']): WebhookRequest {
  return { headers, rawBody, receivedAt: NOW };
}

/** How Jira signs an admin webhook that has a secret: `sha256=` and the hex HMAC-SHA256 of the body. */
function jiraDelivery(rawBody: Buffer, secret: string | null = SECRET): WebhookRequest {
  return request(rawBody, {
    'x-atlassian-webhook-identifier': '1c8e4fb0-2c1d-4a4f-9f3e-77d0b1c2a9e4',
    'x-atlassian-webhook-flow': 'Primary',
    'user-agent': 'Atlassian Webhook HTTP Client',
    'content-type': 'application/json; charset=UTF-8',
    ...(secret === null ? {} : { 'x-hub-signature': `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}` }),
  });
}

describe('jiraAdapter', () => {
  it.each([
    ['issue-created.json', 'jira:issue_created', 'issue_created'],
    ['issue-updated-status.json', 'jira:issue_updated', 'issue_generic'],
  ])('verifies and describes %s as a relevant %s (action %s)', (file, event, action) => {
    const req = jiraDelivery(fixture(file));
    expect(jiraAdapter.verify(req, [SECRET], SIGNED)).toEqual({ ok: true });
    expect(jiraAdapter.describe(req, JSON.parse(req.rawBody.toString('utf8')))).toEqual({
      deliveryKey: '1c8e4fb0-2c1d-4a4f-9f3e-77d0b1c2a9e4',
      deliveryKeySource: 'x-atlassian-webhook-identifier',
      eventType: event,
      action,
      relevant: true,
    });
  });

  it('keeps the status changelog of the update fixture intact (the pipeline reads it)', () => {
    const body: unknown = JSON.parse(fixture('issue-updated-status.json').toString('utf8'));
    expect(body).toMatchObject({ changelog: { items: [{ field: 'status', fromString: 'To Do', toString: 'In Progress' }] } });
  });

  it('marks jira:issue_deleted relevant and comment_created not relevant', () => {
    const req = jiraDelivery(fixture('comment-created.json'));
    expect(jiraAdapter.verify(req, [SECRET], SIGNED)).toEqual({ ok: true });
    expect(jiraAdapter.describe(req, JSON.parse(req.rawBody.toString('utf8')))).toMatchObject({
      eventType: 'comment_created',
      action: null,
      relevant: false,
    });
    expect(jiraAdapter.describe(req, { webhookEvent: 'jira:issue_deleted', issue_event_type_name: 'issue_deleted' })).toMatchObject({
      eventType: 'jira:issue_deleted',
      action: 'issue_deleted',
      relevant: true,
    });
    expect(jiraAdapter.describe(req, { webhookEvent: 'sprint_started' })).toMatchObject({ relevant: false });
    expect(jiraAdapter.describe(req, { nothing: 'here' })).toMatchObject({ eventType: 'unknown', relevant: false });
  });

  it('refuses a body changed after signing, and a signature made with another secret', () => {
    const req = jiraDelivery(fixture('issue-updated-status.json'));
    const forged = request(Buffer.from(req.rawBody.toString('utf8').replace('In Progress', 'Done'), 'utf8'), req.headers);
    expect(jiraAdapter.verify(forged, [SECRET], SIGNED)).toEqual({
      ok: false,
      code: 'bad_signature',
      message: expect.stringContaining("X-Hub-Signature does not match: check that the Secret of the Jira webhook is this integration's secret"),
    });
    expect(jiraAdapter.verify(jiraDelivery(fixture('issue-created.json'), 'another-secret'), [SECRET], SIGNED)).toMatchObject({
      ok: false,
      code: 'bad_signature',
    });
    const bare = request(req.rawBody, { ...req.headers, 'x-hub-signature': createHmac('sha256', SECRET).update(req.rawBody).digest('hex') });
    expect(jiraAdapter.verify(bare, [SECRET], SIGNED)).toMatchObject({ ok: false, code: 'bad_signature', message: expect.stringContaining('sha256=') });
  });

  it('refuses a delivery without X-Hub-Signature when the integration has a secret', () => {
    expect(jiraAdapter.verify(jiraDelivery(fixture('issue-created.json'), null), [SECRET], SIGNED)).toEqual({
      ok: false,
      code: 'missing_signature',
      message: expect.stringContaining('X-Hub-Signature is missing'),
    });
  });

  it('accepts an unsigned delivery for an integration created without a secret', () => {
    expect(jiraAdapter.verify(jiraDelivery(fixture('issue-created.json'), null), [], UNSIGNED)).toEqual({ ok: true });
    expect(jiraAdapter.verify(jiraDelivery(fixture('issue-created.json'), null), [SECRET], UNSIGNED)).toEqual({ ok: true });
  });

  it('still checks a signature that is sent when the integration has a secret, even if it does not require one', () => {
    const forged = jiraDelivery(fixture('issue-created.json'), 'another-secret');
    expect(jiraAdapter.verify(forged, [SECRET], UNSIGNED)).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  it('accepts either secret during a rotation', () => {
    const req = jiraDelivery(fixture('issue-created.json'), 'new-secret');
    expect(jiraAdapter.verify(req, ['old-secret', 'new-secret'], SIGNED)).toEqual({ ok: true });
    expect(jiraAdapter.verify(req, ['old-secret'], SIGNED)).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  it('falls back to the body SHA-256 without X-Atlassian-Webhook-Identifier: the same body gives the same key', () => {
    const body = Buffer.from('Hello, World!', 'utf8');
    const first = jiraAdapter.describe(request(body, {}), { webhookEvent: 'jira:issue_updated' });
    const again = jiraAdapter.describe(request(Buffer.from('Hello, World!', 'utf8'), {}), { webhookEvent: 'jira:issue_updated' });
    expect(first).toMatchObject({
      deliveryKey: 'dffd6021bb2bd5b0af676290809ec3a53191dd81c7f70a4b28688a362182986f',
      deliveryKeySource: 'body-sha256',
    });
    expect(again.deliveryKey).toBe(first.deliveryKey);
  });

  it('keeps the delivery headers, never the signature', () => {
    expect([...jiraAdapter.keptHeaders].sort()).toEqual([
      'content-type',
      'user-agent',
      'x-atlassian-webhook-flow',
      'x-atlassian-webhook-identifier',
      'x-atlassian-webhook-retry',
    ]);
  });
});
