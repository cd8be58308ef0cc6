import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebhookRequest } from '../source-adapter';
import { linearAdapter } from './linear.adapter';

const FIXTURES = join(__dirname, '../../../../test/fixtures/linear');
const SECRET = 'lin_wh_test_secret_for_loopmeter';
/** webhookTimestamp of issue-create.json and issue-update.json. */
const CREATE_SENT_AT = Date.parse('2026-01-01T08:00:00.250Z');
const UPDATE_SENT_AT = Date.parse('2026-01-02T09:45:00.480Z');

function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

function options(nowMs: number): { requireSignature: boolean; now: Date } {
  return { requireSignature: true, now: new Date(nowMs) };
}

/** How Linear signs: `Linear-Signature` is the hex HMAC-SHA256 of the body under the webhook's signing secret. */
function linearDelivery(rawBody: Buffer, secret: string | null = SECRET, event = 'Issue'): WebhookRequest {
  return {
    rawBody,
    receivedAt: new Date(CREATE_SENT_AT),
    headers: {
      'linear-delivery': '234d1a4e-b617-4388-90fe-adc3633d6b72',
      'linear-event': event,
      'user-agent': 'Linear-Webhook',
      'content-type': 'application/json; charset=utf-8',
      ...(secret === null ? {} : { 'linear-signature': createHmac('sha256', secret).update(rawBody).digest('hex') }),
    },
  };
}

describe('linearAdapter', () => {
  it.each([
    ['issue-create.json', CREATE_SENT_AT, 'create'],
    ['issue-update.json', UPDATE_SENT_AT, 'update'],
  ])('verifies and describes %s as a relevant Issue %s', (file, sentAt, action) => {
    const req = linearDelivery(fixture(file));
    expect(linearAdapter.verify(req, [SECRET], options(sentAt + 2_000))).toEqual({ ok: true });
    expect(linearAdapter.describe(req, JSON.parse(req.rawBody.toString('utf8')))).toEqual({
      deliveryKey: '234d1a4e-b617-4388-90fe-adc3633d6b72',
      deliveryKeySource: 'linear-delivery',
      eventType: 'Issue',
      action,
      relevant: true,
    });
  });

  it('marks a Comment (and any type but Issue) as not relevant', () => {
    const req = linearDelivery(fixture('comment-create.json'), SECRET, 'Comment');
    expect(linearAdapter.verify(req, [SECRET], options(Date.parse('2026-01-02T10:00:01Z')))).toEqual({ ok: true });
    expect(linearAdapter.describe(req, JSON.parse(req.rawBody.toString('utf8')))).toMatchObject({
      eventType: 'Comment',
      action: 'create',
      relevant: false,
    });
    expect(linearAdapter.describe(req, { type: 'IssueLabel', action: 'create' })).toMatchObject({ relevant: false });
    expect(linearAdapter.describe(req, { type: 'Project', action: 'update' })).toMatchObject({ relevant: false });
    expect(linearAdapter.describe(req, {})).toMatchObject({ eventType: 'unknown', action: null, relevant: false });
  });

  it('refuses a body changed after signing, and a signature made with another secret', () => {
    const req = linearDelivery(fixture('issue-update.json'));
    const forged = { ...req, rawBody: Buffer.from(req.rawBody.toString('utf8').replace('"In Progress"', '"Done"'), 'utf8') };
    expect(linearAdapter.verify(forged, [SECRET], options(UPDATE_SENT_AT))).toEqual({
      ok: false,
      code: 'bad_signature',
      message: expect.stringContaining("Linear-Signature does not match: check that the Linear webhook's signing secret is this integration's secret"),
    });
    expect(linearAdapter.verify(linearDelivery(fixture('issue-update.json'), 'another-secret'), [SECRET], options(UPDATE_SENT_AT))).toMatchObject({
      ok: false,
      code: 'bad_signature',
    });
  });

  it('refuses a delivery without Linear-Signature', () => {
    expect(linearAdapter.verify(linearDelivery(fixture('issue-create.json'), null), [SECRET], options(CREATE_SENT_AT))).toEqual({
      ok: false,
      code: 'missing_signature',
      message: expect.stringContaining('Linear-Signature is missing'),
    });
    expect(
      linearAdapter.verify(linearDelivery(fixture('issue-create.json'), null), [SECRET], { requireSignature: false, now: new Date(CREATE_SENT_AT) }),
    ).toMatchObject({ code: 'missing_signature' });
  });

  it('refuses a webhookTimestamp beyond the Date range as stale, without throwing (regression: the fuzz of test/reliability got a 500)', () => {
    for (const huge of ['9007199254740993', '1e308', '-1e300']) {
      const body = Buffer.from(`{"type":"Issue","action":"create","webhookTimestamp":${huge}}`);
      const req = linearDelivery(body);
      expect(linearAdapter.verify(req, [SECRET], options(CREATE_SENT_AT))).toMatchObject({ ok: false, code: 'stale_timestamp' });
    }
  });

  it('refuses a webhookTimestamp more than 60 s old or ahead, and accepts one exactly 60 s old', () => {
    const req = linearDelivery(fixture('issue-create.json'));
    expect(linearAdapter.verify(req, [SECRET], options(CREATE_SENT_AT + 61_000))).toEqual({
      ok: false,
      code: 'stale_timestamp',
      message: expect.stringContaining('webhookTimestamp 2026-01-01T08:00:00.250Z is more than 60 seconds away'),
    });
    expect(linearAdapter.verify(req, [SECRET], options(CREATE_SENT_AT - 61_000))).toMatchObject({ ok: false, code: 'stale_timestamp' });
    expect(linearAdapter.verify(req, [SECRET], options(CREATE_SENT_AT + 60_000))).toEqual({ ok: true });
    expect(linearAdapter.verify(req, [SECRET], options(CREATE_SENT_AT - 60_000))).toEqual({ ok: true });
  });

  it('checks the signature before the timestamp: a stale forgery is a bad signature', () => {
    const forged = linearDelivery(fixture('issue-create.json'), 'another-secret');
    expect(linearAdapter.verify(forged, [SECRET], options(CREATE_SENT_AT + 3_600_000))).toMatchObject({ code: 'bad_signature' });
  });

  it('refuses a signed body without webhookTimestamp, or with one that is not a number', () => {
    const withoutTimestamp = Buffer.from(JSON.stringify({ action: 'create', type: 'Issue', data: { id: 'x' } }), 'utf8');
    expect(linearAdapter.verify(linearDelivery(withoutTimestamp), [SECRET], options(CREATE_SENT_AT))).toEqual({
      ok: false,
      code: 'stale_timestamp',
      message: expect.stringContaining('webhookTimestamp is missing'),
    });
    const asString = Buffer.from(JSON.stringify({ action: 'create', type: 'Issue', webhookTimestamp: String(CREATE_SENT_AT) }), 'utf8');
    expect(linearAdapter.verify(linearDelivery(asString), [SECRET], options(CREATE_SENT_AT))).toMatchObject({ code: 'stale_timestamp' });
    const notJson = Buffer.from('webhookTimestamp=1767254400250', 'utf8');
    expect(linearAdapter.verify(linearDelivery(notJson), [SECRET], options(CREATE_SENT_AT))).toMatchObject({ code: 'stale_timestamp' });
  });

  it('accepts either secret during a rotation', () => {
    const req = linearDelivery(fixture('issue-create.json'), 'new-secret');
    expect(linearAdapter.verify(req, ['old-secret', 'new-secret'], options(CREATE_SENT_AT))).toEqual({ ok: true });
    expect(linearAdapter.verify(req, ['old-secret'], options(CREATE_SENT_AT))).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  it('falls back to the body SHA-256 without Linear-Delivery: the same body gives the same key', () => {
    const first = linearAdapter.describe({ rawBody: Buffer.from('Hello, World!', 'utf8'), headers: {}, receivedAt: new Date(CREATE_SENT_AT) }, {});
    const again = linearAdapter.describe({ rawBody: Buffer.from('Hello, World!', 'utf8'), headers: {}, receivedAt: new Date(UPDATE_SENT_AT) }, {});
    expect(first).toMatchObject({
      deliveryKey: 'dffd6021bb2bd5b0af676290809ec3a53191dd81c7f70a4b28688a362182986f',
      deliveryKeySource: 'body-sha256',
    });
    expect(again.deliveryKey).toBe(first.deliveryKey);
  });

  it('keeps the delivery headers, never the signature', () => {
    expect([...linearAdapter.keptHeaders].sort()).toEqual(['content-type', 'linear-delivery', 'linear-event', 'user-agent']);
  });
});
