import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { generateEvents, httpDeliveryOf, rawEventRowOf, type GeneratedEvent } from '../../bench/generator';
import { parseEventsBatch } from '../../server/src/ingest/events/events-batch.parser';
import type { Fact, RawEventRow } from '../../server/src/pipeline/normalize/facts';
import { NORMALIZERS } from '../../server/src/pipeline/normalize/registry';
import { webhookSource } from '../../server/src/sources/registry';

/** The data generator of bench/ (benchmarks and the demo workspace): deterministic, and in the sources' real formats. */
const TARGETS = { github: { id: '6f0c6f7e-5b7a-4d0e-9b1e-1a2b3c4d5e6f', secret: 'github-secret-0123456789' }, linear: { id: '7a1d2e3f-4b5c-4d6e-8f70-8192a3b4c5d6', secret: 'lin_wh_0123456789abcdef' }, ingestToken: 'lm_ingest_test' };
const IDS = { github: TARGETS.github.id, linear: TARGETS.linear.id };

const demo = [...generateEvents({ seed: 11, scale: 'demo' })];

function digest(events: Iterable<GeneratedEvent>): string {
  const hash = createHash('sha256');
  for (const e of events) hash.update(JSON.stringify(e));
  return hash.digest('hex');
}

/** Every key path of a JSON value (array elements as `[]`), with the JSON type at it. */
function shape(value: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) for (const item of value) shape(item, `${path}[]`, out);
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) shape(v, path ? `${path}.${k}` : k, out);
  if (path) out.set(path, value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);
  return out;
}

function normalize(row: ReturnType<typeof rawEventRowOf>): Fact[] {
  const event: RawEventRow = { id: '1', orgId: '00000000-0000-0000-0000-000000000001', source: row.source, eventType: row.eventType, action: row.action, body: row.body, receivedAt: row.receivedAt, meta: row.meta, contentType: row.contentType };
  const result = NORMALIZERS[row.source](event, JSON.parse(row.body.toString('utf8')));
  if ('dropped' in result) throw new Error(`${row.source} ${row.eventType} ${row.action ?? ''} dropped: ${result.dropped}`);
  return result.facts;
}

describe('the synthetic org generator', () => {
  it('gives the same events for the same seed and other events for another seed', () => {
    expect(demo.length).toBeGreaterThan(3_000);
    expect(digest(generateEvents({ seed: 11, scale: 'demo' }))).toBe(digest(demo));
    expect(digest(generateEvents({ seed: 12, scale: 'demo' }))).not.toBe(digest(demo));
  });

  it('sizes the org by the scale: a demo of 6 teams over 6 months, or about N raw events', () => {
    const teams = new Set(demo.flatMap((e) => (e.source === 'linear' ? [JSON.stringify((e.payload.data as { team: unknown }).team)] : [])));
    expect(teams.size).toBe(6);
    const first = demo[0].at.getTime();
    expect(demo[demo.length - 1].at.getTime() - first).toBeGreaterThan(170 * 86_400_000);
    let n = 0;
    for (const _ of generateEvents({ seed: 1, scale: 60_000 })) n++;
    expect(n).toBeGreaterThan(45_000);
    expect(n).toBeLessThan(80_000);
  });

  it('writes every kind of delivery the product reads: issues, branches, pushes, PRs, CI, deployments, Linear, OTLP, events', () => {
    const kinds = new Set(demo.map((e) => (e.source === 'github' ? `github:${e.event}:${String(e.payload.action ?? '')}` : e.source === 'events' ? `events:${String(e.payload.type)}` : e.source)));
    expect([...kinds].sort()).toEqual([
      'events:decision.made', 'events:evidence.recorded',
      'github:check_suite:completed', 'github:create:', 'github:deployment:created', 'github:deployment_status:created',
      'github:issues:closed', 'github:issues:opened', 'github:pull_request:closed', 'github:pull_request:opened', 'github:pull_request:synchronize', 'github:push:',
      'linear', 'otlp',
    ]);
  });

  it('signs GitHub and Linear deliveries so the real adapters verify them, and files them under the keys ingest would', () => {
    for (const event of demo) {
      if (event.source !== 'github' && event.source !== 'linear') continue;
      const sentAt = new Date();
      const delivery = httpDeliveryOf(event, TARGETS, sentAt);
      const adapter = webhookSource(event.source)!;
      const request = { headers: delivery.headers, rawBody: delivery.body, receivedAt: sentAt };
      const secret = event.source === 'github' ? TARGETS.github.secret : TARGETS.linear.secret;
      expect(adapter.verify(request, [secret], { requireSignature: true, now: sentAt })).toEqual({ ok: true });
      expect(adapter.verify(request, ['another-secret-0123456789'], { requireSignature: true, now: sentAt }).ok).toBe(false);
      const description = adapter.describe(request, JSON.parse(delivery.body.toString('utf8')));
      const row = rawEventRowOf(event, IDS, {});
      expect({ key: row.deliveryKey, from: row.deliveryKeySource, type: row.eventType, action: row.action }).toEqual({
        key: description.deliveryKey,
        from: description.deliveryKeySource,
        type: description.eventType,
        action: description.action,
      });
      expect(description.relevant).toBe(true);
    }
  });

  it('normalizes every delivery without a drop or an error, and links PRs to their insights', () => {
    const facts = demo.flatMap((e) => normalize(rawEventRowOf(e, IDS, {})));
    const kinds = new Set(facts.map((f) => f.kind));
    for (const kind of ['work_item', 'work_item_transition', 'branch', 'commit', 'pull_request', 'ci_run', 'deployment', 'incident', 'agent_run', 'agent_session', 'evidence', 'decision']) expect(kinds).toContain(kind);
    const sessions = facts.filter((f) => f.kind === 'agent_session');
    expect(new Set(sessions.map((s) => (s as { agent: string }).agent))).toEqual(new Set(['claude-code', 'codex']));
    const insights = facts.filter((f) => f.kind === 'work_item' && f.labels.includes('customer-request'));
    expect(insights.length).toBeGreaterThan(200);
  });

  it('sends generic events the events API accepts', () => {
    const events = demo.filter((e) => e.source === 'events');
    const batch = parseEventsBatch(Buffer.from(events.map((e) => JSON.stringify(e.payload)).join('\n')), 'application/x-ndjson');
    expect(batch.rejected).toEqual([]);
    expect(batch.events).toHaveLength(events.length);
  });

  it('shapes GitHub payloads as GitHub does: every field is one of the real payload, with the same JSON type', () => {
    const examples = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8')) as Array<{ name: string; examples: unknown[] }>;
    // Fields GitHub sends that the examples (recorded earlier) do not show.
    const newer = new Set(['deployment.transient_environment', 'deployment.production_environment', 'deployment_status.environment_url', 'repository.visibility']);
    const seen = new Set<string>();
    for (const event of demo) {
      if (event.source !== 'github' || seen.has(event.event)) continue;
      seen.add(event.event);
      const real = new Map<string, Set<string>>();
      for (const example of examples.find((s) => s.name === event.event)!.examples) for (const [path, type] of shape(example)) real.set(path, (real.get(path) ?? new Set()).add(type));
      const known = (path: string, type: string) =>
        real.get(path)?.has(type) ||
        // null where GitHub sends a value, or a value where the examples have null; items of arrays the examples leave empty.
        ((type === 'null' || real.get(path)?.has('null')) && real.has(path)) ||
        (path.endsWith('[]') && real.get(path.slice(0, -2))?.has('array'));
      const unknown = [...shape(event.payload)].filter(([path, type]) => !newer.has(path) && !known(path, type));
      expect({ event: event.event, unknown }).toEqual({ event: event.event, unknown: [] });
    }
    expect(seen.size).toBe(7);
  });
});
