import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { WebhookRequest } from '../source-adapter';
import { githubAdapter } from './github.adapter';

const SECRET = 'lm-github-secret-for-tests';
const NOW = new Date('2026-01-02T10:00:00Z');
const OPTIONS = { requireSignature: true, now: NOW };

/** How GitHub signs: hex HMAC-SHA256 of the exact body bytes under the webhook's secret. */
function sign(rawBody: Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

function request(rawBody: Buffer, headers: WebhookRequest['headers']): WebhookRequest {
  return { headers, rawBody, receivedAt: NOW };
}

interface ExampleSet {
  name: string;
  examples: Record<string, unknown>[];
}

/** The payload examples of @octokit/webhooks-examples, one set per event. */
function loadExamples(): Map<string, ExampleSet> {
  const parsed: unknown = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8'));
  if (!Array.isArray(parsed)) throw new Error('unexpected @octokit/webhooks-examples format');
  const sets = new Map<string, ExampleSet>();
  for (const entry of parsed as ExampleSet[]) sets.set(entry.name, entry);
  return sets;
}

const EXAMPLES = loadExamples();

function examplesOf(event: string): Record<string, unknown>[] {
  const set = EXAMPLES.get(event);
  if (!set || set.examples.length === 0) throw new Error(`no example for ${event}`);
  return set.examples;
}

function signedDelivery(event: string, payload: unknown, secret = SECRET): WebhookRequest {
  const rawBody = Buffer.from(JSON.stringify(payload), 'utf8');
  return request(rawBody, {
    'x-github-event': event,
    'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'x-github-hook-id': '292430182',
    'x-hub-signature-256': sign(rawBody, secret),
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/044aadd',
  });
}

describe('githubAdapter.verify', () => {
  it("accepts GitHub's published test vector (secret \"It's a Secret to Everybody\", payload \"Hello, World!\")", () => {
    const req = request(Buffer.from('Hello, World!', 'utf8'), {
      'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    });
    expect(githubAdapter.verify(req, ["It's a Secret to Everybody"], OPTIONS)).toEqual({ ok: true });
    expect(githubAdapter.verify(req, ["It's a secret to everybody"], OPTIONS)).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  // One row per relevant event: the first example of the package, with its action read by hand.
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
  ])('verifies and describes a signed %s delivery (action %s)', (event, action) => {
    const req = signedDelivery(event, examplesOf(event)[0]);
    expect(githubAdapter.verify(req, [SECRET], OPTIONS)).toEqual({ ok: true });
    expect(githubAdapter.describe(req, JSON.parse(req.rawBody.toString('utf8')))).toEqual({
      deliveryKey: '292430182:72d3162e-cc78-11e3-81ab-4c9367dc0958',
      deliveryKeySource: 'x-github-hook-id+x-github-delivery',
      eventType: event,
      action,
      relevant: true,
    });
  });

  const relevantExamples = [
    'issues',
    'pull_request',
    'pull_request_review',
    'push',
    'create',
    'delete',
    'check_suite',
    'check_run',
    'workflow_run',
    'deployment',
    'deployment_status',
  ].flatMap((event) => examplesOf(event).map((payload, index) => ({ event, index, payload })));

  it('has every example of the package for the relevant events to test (109 payloads: 29 issues, 29 pull_request, 4 pull_request_review, 7 push, 5 create, 4 delete, 9 check_suite, 9 check_run, 5 workflow_run, 4 deployment, 4 deployment_status)', () => {
    expect(relevantExamples).toHaveLength(109);
  });

  it.each(relevantExamples)('verifies every example: $event #$index', ({ event, payload }) => {
    const req = signedDelivery(event, payload);
    expect(githubAdapter.verify(req, [SECRET], OPTIONS)).toEqual({ ok: true });
    const description = githubAdapter.describe(req, payload);
    expect(description.eventType).toBe(event);
    expect(description.relevant).toBe(true);
    // The expected action is the payload's own field: GitHub puts the action there, or none.
    expect(description.action).toBe(typeof payload.action === 'string' ? payload.action : null);
  });

  it.each([
    ['ping', null],
    ['issue_comment', 'created'],
    ['star', 'created'],
    ['workflow_job', 'in_progress'],
    ['release', 'published'],
  ])('marks a verified %s delivery as not relevant (action %s)', (event, action) => {
    const req = signedDelivery(event, examplesOf(event)[0]);
    expect(githubAdapter.verify(req, [SECRET], OPTIONS)).toEqual({ ok: true });
    expect(githubAdapter.describe(req, examplesOf(event)[0])).toMatchObject({ eventType: event, action, relevant: false });
  });

  it('refuses a body changed after signing', () => {
    const req = signedDelivery('pull_request', examplesOf('pull_request')[0]);
    const forged = request(Buffer.from(req.rawBody.toString('utf8').replace('"opened"', '"closed"'), 'utf8'), req.headers);
    expect(githubAdapter.verify(forged, [SECRET], OPTIONS)).toEqual({
      ok: false,
      code: 'bad_signature',
      message: expect.stringContaining(
        "X-Hub-Signature-256 does not match: check that the secret configured in GitHub is this integration's secret",
      ),
    });
  });

  it('refuses a made-up signature, a signature of another secret, and one that is not sha256=', () => {
    const req = signedDelivery('push', examplesOf('push')[0]);
    const withSignature = (signature: string): WebhookRequest => request(req.rawBody, { ...req.headers, 'x-hub-signature-256': signature });
    expect(githubAdapter.verify(withSignature(`sha256=${'0'.repeat(64)}`), [SECRET], OPTIONS)).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(githubAdapter.verify(withSignature('sha256=abc'), [SECRET], OPTIONS)).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(githubAdapter.verify(signedDelivery('push', examplesOf('push')[0], 'another-secret'), [SECRET], OPTIONS)).toMatchObject({
      ok: false,
      code: 'bad_signature',
    });
    const sha1 = withSignature('sha1=' + createHmac('sha1', SECRET).update(req.rawBody).digest('hex'));
    expect(githubAdapter.verify(sha1, [SECRET], OPTIONS)).toEqual({
      ok: false,
      code: 'bad_signature',
      message: expect.stringContaining('not of the form sha256='),
    });
  });

  it('refuses a delivery without X-Hub-Signature-256, saying to set the secret', () => {
    const req = signedDelivery('push', examplesOf('push')[0]);
    const { 'x-hub-signature-256': _dropped, ...unsigned } = req.headers;
    const result = githubAdapter.verify(request(req.rawBody, unsigned), [SECRET], OPTIONS);
    expect(result).toEqual({ ok: false, code: 'missing_signature', message: expect.stringContaining('X-Hub-Signature-256 is missing') });
    // Not even an integration marked unsigned takes an unsigned GitHub delivery: GitHub always has a secret.
    expect(githubAdapter.verify(request(req.rawBody, unsigned), [SECRET], { requireSignature: false, now: NOW })).toMatchObject({
      ok: false,
      code: 'missing_signature',
    });
    expect(githubAdapter.verify(request(req.rawBody, { ...unsigned, 'x-hub-signature-256': '  ' }), [SECRET], OPTIONS)).toMatchObject({
      code: 'missing_signature',
    });
  });

  it('accepts either secret during a rotation, and neither once both are gone', () => {
    const signedWithNew = signedDelivery('issues', examplesOf('issues')[0], 'new-secret');
    const signedWithOld = signedDelivery('issues', examplesOf('issues')[0], 'old-secret');
    expect(githubAdapter.verify(signedWithNew, ['old-secret', 'new-secret'], OPTIONS)).toEqual({ ok: true });
    expect(githubAdapter.verify(signedWithOld, ['old-secret', 'new-secret'], OPTIONS)).toEqual({ ok: true });
    expect(githubAdapter.verify(signedWithOld, ['new-secret'], OPTIONS)).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(githubAdapter.verify(signedWithNew, [], OPTIONS)).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  it('reads a header Node gave as an array, and an upper-case hex digest', () => {
    const rawBody = Buffer.from('Hello, World!', 'utf8');
    const secrets = ["It's a Secret to Everybody"];
    const asArray = request(rawBody, { 'x-hub-signature-256': ['sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'] });
    const upper = request(rawBody, { 'x-hub-signature-256': 'sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17' });
    expect(githubAdapter.verify(asArray, secrets, OPTIONS)).toEqual({ ok: true });
    expect(githubAdapter.verify(upper, secrets, OPTIONS)).toEqual({ ok: true });
  });
});

describe('githubAdapter.describe', () => {
  const body = Buffer.from('Hello, World!', 'utf8');

  it('keys a delivery by hook id and delivery GUID', () => {
    const req = request(body, { 'x-github-hook-id': '123456', 'x-github-delivery': 'd0f2b0e0-1c2b-11f0-8b4f-5c9a7e3e0001', 'x-github-event': 'ping' });
    expect(githubAdapter.describe(req, {})).toEqual({
      deliveryKey: '123456:d0f2b0e0-1c2b-11f0-8b4f-5c9a7e3e0001',
      deliveryKeySource: 'x-github-hook-id+x-github-delivery',
      eventType: 'ping',
      action: null,
      relevant: false,
    });
  });

  it('keys by the delivery GUID alone when the hook id is absent', () => {
    const req = request(body, { 'x-github-delivery': 'd0f2b0e0-1c2b-11f0-8b4f-5c9a7e3e0001', 'x-github-event': 'push' });
    expect(githubAdapter.describe(req, {})).toMatchObject({
      deliveryKey: 'd0f2b0e0-1c2b-11f0-8b4f-5c9a7e3e0001',
      deliveryKeySource: 'x-github-delivery',
    });
  });

  it('falls back to the body SHA-256 without a delivery GUID: the same body gives the same key', () => {
    const first = githubAdapter.describe(request(body, { 'x-github-event': 'push' }), {});
    const again = githubAdapter.describe(request(Buffer.from('Hello, World!', 'utf8'), { 'x-github-event': 'push' }), {});
    const other = githubAdapter.describe(request(Buffer.from('Hello, World?', 'utf8'), { 'x-github-event': 'push' }), {});
    expect(first).toMatchObject({
      deliveryKey: 'dffd6021bb2bd5b0af676290809ec3a53191dd81c7f70a4b28688a362182986f',
      deliveryKeySource: 'body-sha256',
    });
    expect(again.deliveryKey).toBe(first.deliveryKey);
    expect(other.deliveryKey).not.toBe(first.deliveryKey);
  });

  it('names an event without X-GitHub-Event "unknown", not relevant; a non-string action is null', () => {
    expect(githubAdapter.describe(request(body, {}), { action: 3 })).toMatchObject({ eventType: 'unknown', action: null, relevant: false });
  });
});

describe('githubAdapter.keptHeaders', () => {
  it('keeps event, delivery and hook headers, never a signature or credential', () => {
    expect([...githubAdapter.keptHeaders].sort()).toEqual([
      'content-type',
      'user-agent',
      'x-github-delivery',
      'x-github-event',
      'x-github-hook-id',
      'x-github-hook-installation-target-id',
      'x-github-hook-installation-target-type',
    ]);
  });
});
