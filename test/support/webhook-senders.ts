import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { IntegrationKind, IntegrationWithSecret, WebhookAck } from '@loopmeter/shared';
import { TEST_ADMIN_TOKEN, type ApiResponse, type TestApp } from './test-app';

/**
 * Senders that deliver a webhook exactly as GitHub, GitLab, Jira and Linear do: the same headers, the
 * signature or token computed the same way over the exact bytes sent. Each returns the answer of the
 * request helper plus what was sent, so a test can compare the stored row with the bytes on the wire.
 */

/** The integration a delivery is addressed to: its id goes in the URL, its secret signs. */
export type DeliveryTarget = Pick<IntegrationWithSecret, 'id' | 'secret'>;

/** A payload object is sent as compact JSON; a Buffer is sent byte for byte (fixture files, broken JSON). */
export type Payload = Buffer | Record<string, unknown>;

export interface DeliveryOptions {
  /** Sign (or send as token) with this secret instead of the integration's. */
  secret?: string;
  /** Send no signature or token at all. */
  omitSignature?: boolean;
  /** Send this value as the signature header as is (instead of computing it). */
  signature?: string;
  /** Content-Type header (default: what the service sends). */
  contentType?: string;
  /** Extra headers, or overrides of the service's own. */
  headers?: Record<string, string>;
  /** Deliver to this path instead of `/webhooks/<kind>/<integration id>`. */
  path?: string;
}

export interface SentDelivery<T> extends ApiResponse<T> {
  sent: { body: Buffer; headers: Record<string, string> };
}

/** The error body every refusal has: `{ code, message, details?, requestId }`. */
export interface ErrorBody {
  code: string;
  message: string;
  details?: unknown;
  requestId: string;
}

export type DeliveryAnswer = WebhookAck | ErrorBody;

export function hmacSha256Hex(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function bodyOf(payload: Payload): Buffer {
  return Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload), 'utf8');
}

async function deliver<T>(t: TestApp, path: string, body: Buffer, headers: Record<string, string>): Promise<SentDelivery<T>> {
  const response = await t.request<T>('POST', path, { raw: body, headers });
  return { ...response, sent: { body, headers } };
}

function withOverrides(headers: Record<string, string>, options: DeliveryOptions): Record<string, string> {
  const merged = { ...headers, ...options.headers };
  if (options.contentType !== undefined) merged['content-type'] = options.contentType;
  return merged;
}

// ---------------------------------------------------------------------------------------------------------
// GitHub: "Webhook events and payloads" → Delivery headers; "Validating webhook deliveries".

export const GITHUB_HOOK_ID = '292430182';
export const GITHUB_TARGET_ID = '35129377';

export interface GithubOptions extends DeliveryOptions {
  /** X-GitHub-Delivery (GitHub keeps it when a delivery is redelivered). Default: a new GUID. */
  deliveryId?: string;
  /** X-GitHub-Hook-ID. */
  hookId?: string;
}

/** Delivers `payload` as GitHub does: X-Hub-Signature-256 = sha256= + hex HMAC-SHA256(secret, body). */
export function sendGithub<T = DeliveryAnswer>(t: TestApp, integration: DeliveryTarget, event: string, payload: Payload, options: GithubOptions = {}): Promise<SentDelivery<T>> {
  const body = bodyOf(payload);
  const secret = options.secret ?? integration.secret;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/044aadd',
    'x-github-event': event,
    'x-github-delivery': options.deliveryId ?? randomUUID(),
    'x-github-hook-id': options.hookId ?? GITHUB_HOOK_ID,
    'x-github-hook-installation-target-type': 'repository',
    'x-github-hook-installation-target-id': GITHUB_TARGET_ID,
  };
  if (!options.omitSignature) {
    // GitHub still sends the legacy SHA-1 header next to the SHA-256 one.
    headers['x-hub-signature'] = `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
    headers['x-hub-signature-256'] = options.signature ?? `sha256=${hmacSha256Hex(secret, body)}`;
  }
  return deliver<T>(t, options.path ?? `/webhooks/github/${integration.id}`, body, withOverrides(headers, options));
}

// ---------------------------------------------------------------------------------------------------------
// GitLab: "Webhooks" (X-Gitlab-Token, Idempotency-Key, delivery headers) and "Signing tokens" (Standard Webhooks).

export interface GitlabOptions extends DeliveryOptions {
  /** Idempotency-Key (GitLab keeps it across retries). Default: a new UUID; null: not sent. */
  idempotencyKey?: string | null;
  /** Also sign the Standard Webhooks way (a webhook with a signing token), optionally at another time. */
  standardWebhooks?: boolean | { timestamp?: number; secret?: string };
  /** Send X-Gitlab-Token (default true; false for a webhook that has only a signing token). */
  sendToken?: boolean;
}

/** The Standard Webhooks key: `whsec_` + base64 of the key bytes, or any other string as its UTF-8 bytes. */
export function standardWebhooksKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

/** `v1,` + base64 HMAC-SHA256 of `${id}.${timestamp}.${body}` under the decoded key. */
export function standardWebhooksSignature(secret: string, id: string, timestamp: number, body: Buffer): string {
  return `v1,${createHmac('sha256', standardWebhooksKey(secret)).update(`${id}.${timestamp}.`).update(body).digest('base64')}`;
}

/** Delivers `payload` as GitLab does: the webhook's secret token as is in X-Gitlab-Token. */
export function sendGitlab<T = DeliveryAnswer>(t: TestApp, integration: DeliveryTarget, event: string, payload: Payload, options: GitlabOptions = {}): Promise<SentDelivery<T>> {
  const body = bodyOf(payload);
  const secret = options.secret ?? integration.secret;
  const idempotencyKey = options.idempotencyKey === undefined ? randomUUID() : options.idempotencyKey;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitLab/18.8.0',
    'x-gitlab-event': event,
    'x-gitlab-event-uuid': randomUUID(),
    'x-gitlab-webhook-uuid': '6d8b0e5d-2ae4-4a3c-9f0b-4a5a6e0c1f22',
    'x-gitlab-instance': 'https://gitlab.example.com',
  };
  if (idempotencyKey !== null) headers['idempotency-key'] = idempotencyKey;
  if (!options.omitSignature && options.sendToken !== false) headers['x-gitlab-token'] = options.signature ?? secret;
  if (options.standardWebhooks && !options.omitSignature) {
    const signing = typeof options.standardWebhooks === 'object' ? options.standardWebhooks : {};
    const id = idempotencyKey ?? `msg_${randomUUID()}`;
    const timestamp = signing.timestamp ?? Math.floor(Date.now() / 1000);
    headers['webhook-id'] = id;
    headers['webhook-timestamp'] = String(timestamp);
    headers['webhook-signature'] = standardWebhooksSignature(signing.secret ?? secret, id, timestamp, body);
  }
  return deliver<T>(t, options.path ?? `/webhooks/gitlab/${integration.id}`, body, withOverrides(headers, options));
}

// ---------------------------------------------------------------------------------------------------------
// Jira Cloud: "Webhooks" → Secure admin webhooks (X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>).

export interface JiraOptions extends DeliveryOptions {
  /** X-Atlassian-Webhook-Identifier (kept across retries). Default: a new one. */
  identifier?: string;
}

/** Delivers `payload` as Jira Cloud does for an admin webhook with a secret. */
export function sendJira<T = DeliveryAnswer>(t: TestApp, integration: DeliveryTarget, payload: Payload, options: JiraOptions = {}): Promise<SentDelivery<T>> {
  const body = bodyOf(payload);
  const secret = options.secret ?? integration.secret;
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=UTF-8',
    'user-agent': 'Atlassian Webhook HTTP Client',
    'x-atlassian-webhook-identifier': options.identifier ?? randomUUID(),
    'x-atlassian-webhook-flow': 'Primary',
  };
  if (!options.omitSignature) headers['x-hub-signature'] = options.signature ?? `sha256=${hmacSha256Hex(secret, body)}`;
  return deliver<T>(t, options.path ?? `/webhooks/jira/${integration.id}`, body, withOverrides(headers, options));
}

// ---------------------------------------------------------------------------------------------------------
// Linear: "Webhooks" (Linear-Signature hex HMAC-SHA256 of the body; webhookTimestamp in Unix milliseconds).

export interface LinearOptions extends DeliveryOptions {
  /** Linear-Delivery. Default: a new UUID. */
  deliveryId?: string;
  /** webhookTimestamp written into a payload object, in Unix milliseconds. Default: now. */
  timestamp?: number;
  /** Linear-Event. Default: the payload's `type`. */
  event?: string;
}

/**
 * Delivers `payload` as Linear does. A payload object gets `webhookTimestamp` (now, or `timestamp`) as
 * Linear sets it when sending; a Buffer is sent as is.
 */
export function sendLinear<T = DeliveryAnswer>(t: TestApp, integration: DeliveryTarget, payload: Payload, options: LinearOptions = {}): Promise<SentDelivery<T>> {
  const stamped = Buffer.isBuffer(payload) ? payload : { ...payload, webhookTimestamp: options.timestamp ?? Date.now() };
  const body = bodyOf(stamped);
  const secret = options.secret ?? integration.secret;
  const type = Buffer.isBuffer(payload) ? undefined : payload.type;
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': 'Linear-Webhook',
    'linear-delivery': options.deliveryId ?? randomUUID(),
    'linear-event': options.event ?? (typeof type === 'string' ? type : 'Issue'),
  };
  if (!options.omitSignature) headers['linear-signature'] = options.signature ?? hmacSha256Hex(secret, body);
  return deliver<T>(t, options.path ?? `/webhooks/linear/${integration.id}`, body, withOverrides(headers, options));
}

// ---------------------------------------------------------------------------------------------------------
// Integrations and payloads.

export interface CreateIntegrationExtra {
  name?: string;
  secret?: string;
  unsigned?: boolean;
}

/** Creates an integration through the API with the admin token; throws with the answer if it is not 201. */
export async function createIntegration(t: TestApp, kind: IntegrationKind, extra: CreateIntegrationExtra = {}): Promise<IntegrationWithSecret> {
  const res = await t.request<IntegrationWithSecret>('POST', '/api/integrations', {
    token: TEST_ADMIN_TOKEN,
    body: { kind, name: extra.name ?? `${kind} test integration`, ...(extra.secret === undefined ? {} : { secret: extra.secret }), ...(extra.unsigned === undefined ? {} : { unsigned: extra.unsigned }) },
  });
  if (res.status !== 201) throw new Error(`POST /api/integrations (${kind}) answered ${res.status}: ${res.text}`);
  return res.body;
}

const FIXTURES = join(__dirname, '../fixtures');

/** The bytes of a fixture file in test/fixtures/<source>/. */
export function fixtureBytes(source: 'gitlab' | 'jira' | 'linear', file: string): Buffer {
  return readFileSync(join(FIXTURES, source, file));
}

/** A fixture file parsed (to edit a field before sending, e.g. Linear's webhookTimestamp). */
export function fixtureJson(source: 'gitlab' | 'jira' | 'linear', file: string): Record<string, unknown> {
  return JSON.parse(fixtureBytes(source, file).toString('utf8')) as Record<string, unknown>;
}

interface ExampleSet {
  name: string;
  examples: Array<Record<string, unknown>>;
}

let exampleSets: Map<string, ExampleSet> | undefined;

/** The payload examples of @octokit/webhooks-examples for one GitHub event: real payloads GitHub sent. */
export function githubExamples(event: string): Array<Record<string, unknown>> {
  if (!exampleSets) {
    const parsed = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8')) as ExampleSet[];
    exampleSets = new Map(parsed.map((set) => [set.name, set]));
  }
  const set = exampleSets.get(event);
  if (!set || set.examples.length === 0) throw new Error(`@octokit/webhooks-examples has no example of ${event}`);
  return set.examples;
}

export function githubExample(event: string, index = 0): Record<string, unknown> {
  const example = githubExamples(event)[index];
  if (!example) throw new Error(`@octokit/webhooks-examples has no example #${index} of ${event}`);
  return example;
}

// ---------------------------------------------------------------------------------------------------------
// Assertions and raw store look-ups shared by the ingest tests.

/** Checks a refusal: its status and code together (so a failure shows both), in the one error shape. */
export function expectError(res: ApiResponse<unknown>, status: number, code: string): ErrorBody {
  const body = res.body as Partial<ErrorBody> | string;
  expect({ status: res.status, code: typeof body === 'object' && body !== null ? body.code : body }).toEqual({ status, code });
  const error = body as ErrorBody;
  expect(typeof error.message).toBe('string');
  expect(error.requestId).toBe(res.headers.get('x-request-id'));
  return error;
}

/** A row of raw_events as the pg driver returns it (bigint as a string, bytea as a Buffer, jsonb parsed). */
export interface RawEventRow {
  org_id: string;
  id: string;
  source: string;
  source_key: string;
  integration_id: string | null;
  delivery_key: string;
  event_type: string;
  action: string | null;
  content_type: string;
  headers: Record<string, unknown>;
  body: Buffer;
  received_at: Date;
  status: string;
}

/**
 * The raw_events rows of one integration (by its id) or of the generic events API (`'events'`), in
 * insertion order. Read through the app's own DataSource: the embedded database takes one connection.
 */
export async function rawEventRows(t: TestApp, sourceKey: string): Promise<RawEventRow[]> {
  return t.app.get(DataSource).query('SELECT * FROM raw_events WHERE source_key = $1 ORDER BY id', [sourceKey]) as Promise<RawEventRow[]>;
}

export async function countRawEvents(t: TestApp): Promise<number> {
  const rows = (await t.app.get(DataSource).query('SELECT count(*)::int AS n FROM raw_events')) as Array<{ n: number }>;
  return rows[0].n;
}

/** The default organisation the foundation migration creates; every row belongs to it for now. */
export const DEFAULT_ORG_ID = '00000000-0000-0000-0000-000000000001';
