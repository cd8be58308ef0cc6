import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebhookRequest } from '../source-adapter';
import { gitlabAdapter } from './gitlab.adapter';

const FIXTURES = join(__dirname, '../../../../test/fixtures/gitlab');
const SECRET = 'lm-gitlab-secret-for-tests';
/** A signing token in the only form GitLab accepts: whsec_ and the base64 of 32 key bytes. */
const SIGNING_SECRET = 'whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q=';
const NOW = new Date('2026-01-02T10:00:00Z');
const NOW_SECONDS = '1767348000';
const OPTIONS = { requireSignature: true, now: NOW };

function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

function request(rawBody: Buffer, headers: WebhookRequest['headers']): WebhookRequest {
  return { headers, rawBody, receivedAt: NOW };
}

/** The headers GitLab sends with every delivery of a webhook whose Secret token is `token` (null: none set). */
function gitlabHeaders(event: string, token: string | null = SECRET): WebhookRequest['headers'] {
  return {
    'x-gitlab-event': event,
    ...(token === null ? {} : { 'x-gitlab-token': token }),
    'x-gitlab-event-uuid': '13792a34-cac6-4fda-95a8-c58e00a3954e',
    'x-gitlab-webhook-uuid': '6d8b0e5d-2ae4-4a3c-9f0b-4a5a6e0c1f22',
    'x-gitlab-instance': 'https://gitlab.example.com',
    'idempotency-key': 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f',
    'webhook-id': 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f',
    'webhook-timestamp': NOW_SECONDS,
    'user-agent': 'GitLab/18.8.0',
    'content-type': 'application/json',
  };
}

/** How a Standard Webhooks sender signs: base64 HMAC-SHA256 of `id.timestamp.body` under the decoded key. */
function standardSignature(key: Buffer, id: string, timestamp: string, rawBody: Buffer): string {
  return 'v1,' + createHmac('sha256', key).update(`${id}.${timestamp}.`).update(rawBody).digest('base64');
}

const SIGNING_KEY = Buffer.from('testtesttesttesttesttesttesttest', 'utf8');

function signed(rawBody: Buffer, headers: WebhookRequest['headers'], timestamp = NOW_SECONDS): WebhookRequest {
  const id = 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f';
  return request(rawBody, {
    ...headers,
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': standardSignature(SIGNING_KEY, id, timestamp, rawBody),
  });
}

describe('gitlabAdapter with the Secret token (X-Gitlab-Token)', () => {
  it.each([
    ['push-hook.json', 'Push Hook', null],
    ['merge-request-hook.json', 'Merge Request Hook', 'open'],
    ['pipeline-hook.json', 'Pipeline Hook', null],
    ['deployment-hook.json', 'Deployment Hook', null],
    ['issue-hook.json', 'Issue Hook', 'open'],
  ])('verifies and describes %s as a relevant %s (action %s)', (file, event, action) => {
    const rawBody = fixture(file);
    const req = request(rawBody, gitlabHeaders(event));
    expect(gitlabAdapter.verify(req, [SECRET], OPTIONS)).toEqual({ ok: true });
    expect(gitlabAdapter.describe(req, JSON.parse(rawBody.toString('utf8')))).toEqual({
      deliveryKey: 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f',
      deliveryKeySource: 'idempotency-key',
      eventType: event,
      action,
      relevant: true,
    });
  });

  it.each([
    ['Note Hook', 'note-hook.json', 'create'],
    ['Job Hook', 'pipeline-hook.json', null],
    ['Tag Push Hook', 'push-hook.json', null],
    ['System Hook', 'push-hook.json', null],
    ['Confidential Note Hook', 'note-hook.json', 'create'],
  ])('marks %s as not relevant', (event, file, action) => {
    const rawBody = fixture(file);
    const req = request(rawBody, gitlabHeaders(event));
    expect(gitlabAdapter.verify(req, [SECRET], OPTIONS)).toEqual({ ok: true });
    expect(gitlabAdapter.describe(req, JSON.parse(rawBody.toString('utf8')))).toMatchObject({ eventType: event, action, relevant: false });
  });

  it('refuses a wrong token, including one that only starts like the secret', () => {
    for (const token of ['not-the-secret', SECRET.slice(0, -1), `${SECRET}x`, SECRET.toUpperCase()]) {
      const req = request(fixture('push-hook.json'), gitlabHeaders('Push Hook', token));
      expect(gitlabAdapter.verify(req, [SECRET], OPTIONS)).toEqual({
        ok: false,
        code: 'bad_signature',
        message: expect.stringContaining("X-Gitlab-Token does not match: check that the Secret token of the GitLab webhook is this integration's secret"),
      });
    }
  });

  it('refuses a delivery with neither X-Gitlab-Token nor webhook-signature', () => {
    const req = request(fixture('push-hook.json'), gitlabHeaders('Push Hook', null));
    expect(gitlabAdapter.verify(req, [SECRET], OPTIONS)).toEqual({
      ok: false,
      code: 'missing_signature',
      message: expect.stringContaining('Secret token'),
    });
    expect(gitlabAdapter.verify(req, [SECRET], { requireSignature: false, now: NOW })).toMatchObject({ code: 'missing_signature' });
  });

  it('accepts either token during a rotation', () => {
    const req = request(fixture('issue-hook.json'), gitlabHeaders('Issue Hook', 'new-secret'));
    expect(gitlabAdapter.verify(req, ['old-secret', 'new-secret'], OPTIONS)).toEqual({ ok: true });
    expect(gitlabAdapter.verify(req, ['old-secret'], OPTIONS)).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  it('ignores webhook-id and webhook-timestamp when there is no webhook-signature (GitLab sends them on every delivery)', () => {
    const req = request(fixture('push-hook.json'), { ...gitlabHeaders('Push Hook'), 'webhook-timestamp': '1000000000' });
    expect(gitlabAdapter.verify(req, [SECRET], OPTIONS)).toEqual({ ok: true });
  });
});

describe('gitlabAdapter with a signing token (Standard Webhooks webhook-signature)', () => {
  it('accepts the Standard Webhooks published test vector', () => {
    const req = request(Buffer.from('{"test": 2432232314}', 'utf8'), {
      'x-gitlab-event': 'Push Hook',
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
    const signedAt = new Date(1614265330 * 1000);
    expect(gitlabAdapter.verify(req, ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], { requireSignature: true, now: signedAt })).toEqual({ ok: true });
  });

  it('accepts a good signature with a good token, and a good signature alone (a webhook with only a signing token)', () => {
    const rawBody = fixture('merge-request-hook.json');
    expect(gitlabAdapter.verify(signed(rawBody, gitlabHeaders('Merge Request Hook', SIGNING_SECRET)), [SIGNING_SECRET], OPTIONS)).toEqual({ ok: true });
    expect(gitlabAdapter.verify(signed(rawBody, gitlabHeaders('Merge Request Hook', null)), [SIGNING_SECRET], OPTIONS)).toEqual({ ok: true });
  });

  it('checks the signature even when the token is right', () => {
    const rawBody = fixture('merge-request-hook.json');
    const req = signed(rawBody, gitlabHeaders('Merge Request Hook', SIGNING_SECRET));
    const tampered = request(Buffer.from(rawBody.toString('utf8').replace('"open"', '"merge"'), 'utf8'), req.headers);
    expect(gitlabAdapter.verify(tampered, [SIGNING_SECRET], OPTIONS)).toEqual({
      ok: false,
      code: 'bad_signature',
      message: expect.stringContaining('webhook-signature does not match'),
    });
    const otherKey = request(rawBody, {
      ...req.headers,
      'webhook-signature': standardSignature(Buffer.from('another key of thirty-two bytes!', 'utf8'), 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f', NOW_SECONDS, rawBody),
    });
    expect(gitlabAdapter.verify(otherKey, [SIGNING_SECRET], OPTIONS)).toMatchObject({ ok: false, code: 'bad_signature' });
    const unversioned = request(rawBody, { ...req.headers, 'webhook-signature': String(req.headers['webhook-signature']).slice(3) });
    expect(gitlabAdapter.verify(unversioned, [SIGNING_SECRET], OPTIONS)).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  it('accepts the header when any of its space-separated entries matches', () => {
    const req = signed(fixture('pipeline-hook.json'), gitlabHeaders('Pipeline Hook', null));
    const header = `v1,${Buffer.alloc(32).toString('base64')} v2,whatever ${String(req.headers['webhook-signature'])}`;
    expect(gitlabAdapter.verify(request(req.rawBody, { ...req.headers, 'webhook-signature': header }), [SIGNING_SECRET], OPTIONS)).toEqual({ ok: true });
  });

  it('refuses a timestamp more than 5 minutes old or ahead, and accepts one 4 minutes old', () => {
    const rawBody = fixture('deployment-hook.json');
    const at = (timestamp: string) => gitlabAdapter.verify(signed(rawBody, gitlabHeaders('Deployment Hook'), timestamp), [SECRET, SIGNING_SECRET], OPTIONS);
    // NOW is 1767348000; 6 minutes = 360 s, 4 minutes = 240 s, 5 minutes = 300 s.
    expect(at('1767347640')).toEqual({ ok: false, code: 'stale_timestamp', message: expect.stringContaining('more than 5 minutes') });
    expect(at('1767348360')).toMatchObject({ ok: false, code: 'stale_timestamp' });
    expect(at('1767347760')).toEqual({ ok: true });
    expect(at('1767347700')).toEqual({ ok: true });
    expect(at('1767347699')).toMatchObject({ ok: false, code: 'stale_timestamp' });
    expect(at('not-a-number')).toMatchObject({ ok: false, code: 'stale_timestamp' });
  });

  it('refuses a signature sent without the webhook-id it signs', () => {
    const req = signed(fixture('push-hook.json'), gitlabHeaders('Push Hook'));
    const { 'webhook-id': _dropped, ...headers } = req.headers;
    expect(gitlabAdapter.verify(request(req.rawBody, headers), [SECRET, SIGNING_SECRET], OPTIONS)).toEqual({
      ok: false,
      code: 'bad_signature',
      message: expect.stringContaining('without webhook-id or webhook-timestamp'),
    });
  });

  it('uses a secret without the whsec_ prefix as its UTF-8 bytes', () => {
    const plain = 'testtesttesttesttesttesttesttest';
    const req = signed(fixture('issue-hook.json'), gitlabHeaders('Issue Hook', null));
    expect(gitlabAdapter.verify(req, [plain], OPTIONS)).toEqual({ ok: true });
  });

  it('accepts a signature made with either secret during a rotation', () => {
    const req = signed(fixture('issue-hook.json'), gitlabHeaders('Issue Hook', null));
    expect(gitlabAdapter.verify(req, ['whsec_b2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xkb2w=', SIGNING_SECRET], OPTIONS)).toEqual({ ok: true });
  });
});

describe('gitlabAdapter.describe delivery keys', () => {
  it('falls back to the body SHA-256 without Idempotency-Key: the same body gives the same key', () => {
    const headers = gitlabHeaders('Push Hook');
    delete headers['idempotency-key'];
    const first = gitlabAdapter.describe(request(Buffer.from('Hello, World!', 'utf8'), headers), {});
    const again = gitlabAdapter.describe(request(Buffer.from('Hello, World!', 'utf8'), headers), {});
    expect(first).toMatchObject({
      deliveryKey: 'dffd6021bb2bd5b0af676290809ec3a53191dd81c7f70a4b28688a362182986f',
      deliveryKeySource: 'body-sha256',
    });
    expect(again.deliveryKey).toBe(first.deliveryKey);
  });

  it('names a delivery without X-Gitlab-Event "unknown", not relevant', () => {
    expect(gitlabAdapter.describe(request(Buffer.from('{}'), {}), { object_attributes: { action: 7 } })).toMatchObject({
      eventType: 'unknown',
      action: null,
      relevant: false,
    });
  });
});

describe('gitlabAdapter.keptHeaders', () => {
  it('keeps event and delivery headers, never the token or the signature', () => {
    expect([...gitlabAdapter.keptHeaders].sort()).toEqual([
      'content-type',
      'idempotency-key',
      'user-agent',
      'webhook-id',
      'webhook-timestamp',
      'x-gitlab-event',
      'x-gitlab-event-uuid',
      'x-gitlab-instance',
      'x-gitlab-webhook-uuid',
    ]);
  });
});
