import { createHmac } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { SpanKind } from '@opentelemetry/api';
import { exportCounters, exportLogs, exportSpans, type OtlpProtocol } from '../../support/otlp-senders';
import { fixtureJson, githubExamples } from '../../support/webhook-senders';
import { caseRng, mutateBytes, mutateJsonPayload, mutateJsonText, mutateProtobuf, type Rng } from './mutator';


/** One request of the fuzz: where it goes, its headers (signed over the exact mutated bytes) and body. */
export interface FuzzRequest {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  applied: string[];
}

export interface Credentials {
  github: { id: string; secret: string };
  gitlab: { id: string; secret: string };
  jira: { id: string; secret: string };
  linear: { id: string; secret: string };
  ingestToken: string;
}

export interface FuzzTarget {
  name: string;
  /** The unmutated real payloads, as requests (each must be accepted: otherwise the fuzz proves nothing). */
  originals(c: Credentials, tag: string): FuzzRequest[];
  /** Case `index` of the run with `seed`: the same arguments give the same bytes. */
  mutated(c: Credentials, seed: number, index: number): FuzzRequest;
}

const hmacHex = (secret: string, body: Buffer) => createHmac('sha256', secret).update(body).digest('hex');

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------------------
// Webhooks: real payloads (GitHub: @octokit/webhooks-examples; others: test/fixtures), signed as the source signs.

const GITHUB_EVENTS = ['issues', 'pull_request', 'pull_request_review', 'push', 'create', 'delete', 'check_suite', 'check_run', 'workflow_run', 'deployment', 'deployment_status'];

function githubBases(): Array<{ event: string; payload: Json }> {
  return GITHUB_EVENTS.flatMap((event) => githubExamples(event).map((payload) => ({ event, payload })));
}

function githubRequest(c: Credentials, event: string, body: Buffer, deliveryId: string, applied: string[]): FuzzRequest {
  return {
    path: `/webhooks/github/${c.github.id}`,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/044aadd',
      'x-github-event': event,
      'x-github-delivery': deliveryId,
      'x-github-hook-id': '292430182',
      'x-hub-signature-256': `sha256=${hmacHex(c.github.secret, body)}`,
    },
    body,
    applied,
  };
}

const GITLAB_FIXTURES: Array<[string, string]> = [
  ['push-hook.json', 'Push Hook'],
  ['merge-request-hook.json', 'Merge Request Hook'],
  ['pipeline-hook.json', 'Pipeline Hook'],
  ['deployment-hook.json', 'Deployment Hook'],
  ['issue-hook.json', 'Issue Hook'],
  ['note-hook.json', 'Note Hook'],
];

function gitlabRequest(c: Credentials, event: string, body: Buffer, key: string, applied: string[]): FuzzRequest {
  return {
    path: `/webhooks/gitlab/${c.gitlab.id}`,
    headers: { 'content-type': 'application/json', 'user-agent': 'GitLab/18.8.0', 'x-gitlab-event': event, 'x-gitlab-token': c.gitlab.secret, 'idempotency-key': key },
    body,
    applied,
  };
}

const JIRA_FIXTURES = ['issue-created.json', 'issue-updated-status.json', 'comment-created.json'];

function jiraRequest(c: Credentials, body: Buffer, id: string, applied: string[]): FuzzRequest {
  return {
    path: `/webhooks/jira/${c.jira.id}`,
    headers: { 'content-type': 'application/json; charset=UTF-8', 'user-agent': 'Atlassian Webhook HTTP Client', 'x-atlassian-webhook-identifier': id, 'x-hub-signature': `sha256=${hmacHex(c.jira.secret, body)}` },
    body,
    applied,
  };
}

const LINEAR_FIXTURES = ['issue-create.json', 'issue-update.json', 'comment-create.json'];

function linearRequest(c: Credentials, body: Buffer, id: string, type: string, applied: string[]): FuzzRequest {
  return {
    path: `/webhooks/linear/${c.linear.id}`,
    headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Linear-Webhook', 'linear-delivery': id, 'linear-event': type, 'linear-signature': hmacHex(c.linear.secret, body) },
    body,
    applied,
  };
}

/** A stable id for a case (also a valid UUID shape for the sources that send one). */
function caseId(seed: number, index: number, n = 0): string {
  const hex = (seed.toString(16) + index.toString(16).padStart(8, '0') + n.toString(16)).padStart(32, '0').slice(-32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Generic events: NDJSON batches of one event of each type (docs/events-api.md), some lines mutated.

function oneOfEachType(prefix: string): Json[] {
  return [
    { id: `${prefix}-captured`, type: 'insight.captured', occurredAt: '2025-03-01T09:30:00Z', insightId: `zd-${prefix}`, workItemKey: 'ABC-123', title: 'Export dashboards as PDF', source: 'zendesk', team: 'payments', url: 'https://acme.zendesk.com/agent/tickets/48213', customer: 'Globex', attributes: { plan: 'enterprise', arr: 120000 } },
    { id: `${prefix}-started`, type: 'work.started', occurredAt: '2025-03-02T10:00:00+01:00', workItemKey: 'ABC-123', actor: 'dev@acme.com', branch: 'abc-123-pdf-export' },
    { id: `${prefix}-eval`, type: 'evidence.recorded', occurredAt: '2025-03-03T15:45:12Z', pullRequest: 'acme/web#812', kind: 'eval_passed', url: 'https://evals.acme.com/runs/991', detail: '42/42 cases' },
    { id: `${prefix}-decision`, type: 'decision.made', occurredAt: '2025-03-04T08:00:00-05:00', insightId: `zd-${prefix}`, decision: 'promote', reason: 'Customer confirmed on the demo call', actor: 'pm@acme.com' },
    { id: `${prefix}-deploy`, type: 'deployment', occurredAt: '2025-03-03T14:00:00Z', deploymentId: `deploy-${prefix}`, repo: 'acme/web', environment: 'pr-812.preview', environmentKind: 'preview', status: 'success', sha: '3f786850e387550fdab836ed7e6dc881de23001b', url: 'https://pr-812.preview.acme.dev' },
    { id: `${prefix}-incident`, type: 'incident', occurredAt: '2025-03-05T02:13:00Z', incidentId: `INC-${prefix}`, status: 'opened', severity: 'sev2', service: 'checkout', deploymentId: `deploy-${prefix}` },
    { id: `${prefix}-run`, type: 'agent.run', occurredAt: '2025-03-02T11:30:00Z', agent: 'claude-code', model: 'claude-sonnet-4-5', sessionId: `s-${prefix}`, person: 'dev@acme.com', startedAt: '2025-03-02T11:00:00Z', endedAt: '2025-03-02T11:29:30Z', outcome: 'success', score: 0.85, evaluator: 'ci', inputTokens: 120345, outputTokens: 8021, costUsd: 1.37, branch: 'abc-123-pdf-export', prUrl: 'https://github.com/acme/web/pull/812' },
  ];
}

function eventsRequest(c: Credentials, body: Buffer, applied: string[]): FuzzRequest {
  return { path: '/api/events', headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${c.ingestToken}` }, body, applied };
}

// ---------------------------------------------------------------------------------------------------------
// OTLP: requests the official OpenTelemetry JS exporters send (JSON and protobuf), captured once.

export type OtlpCapture = Record<'json' | 'protobuf', Record<'logs' | 'metrics' | 'traces', Buffer[]>>;

/** Runs the real SDK exporters against a local receiver and keeps the bodies they send. */
export async function captureOtlp(): Promise<OtlpCapture> {
  const captured: OtlpCapture = { json: { logs: [], metrics: [], traces: [] }, protobuf: { logs: [], metrics: [], traces: [] } };
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const encoding = String(req.headers['content-type']).includes('json') ? 'json' : 'protobuf';
      const signal = (req.url ?? '').split('/').pop() as 'logs' | 'metrics' | 'traces';
      captured[encoding][signal].push(Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': encoding === 'json' ? 'application/json' : 'application/x-protobuf' });
      res.end(encoding === 'json' ? '{}' : Buffer.alloc(0));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    for (const protocol of ['http/json', 'http/protobuf'] as OtlpProtocol[]) {
      const target = { url, token: 'x', protocol };
      const start = new Date('2026-03-02T10:00:00Z');
      const at = (s: number) => new Date(start.getTime() + s * 1000);
      const claude = { 'service.name': 'claude-code', 'service.version': '2.1.0', 'team.id': 'payments' };
      const base = { 'session.id': 'fuzz-session-1', 'user.email': 'dev@acme.com', 'user.account_uuid': 'acct-1', 'organization.id': 'org-1', 'terminal.type': 'vscode' };
      await exportLogs(target, claude, [
        { body: 'claude_code.user_prompt', timestamp: at(0), attributes: { ...base, 'event.name': 'user_prompt', 'event.timestamp': at(0).toISOString(), 'event.sequence': 1, prompt_length: 120, prompt: 'Add CSV export' } },
        { body: 'claude_code.api_request', timestamp: at(5), attributes: { ...base, 'event.name': 'api_request', 'event.timestamp': at(5).toISOString(), 'event.sequence': 2, model: 'claude-sonnet-4-5', cost_usd: 0.0123, duration_ms: 2300, input_tokens: 1200, output_tokens: 300, cache_read_tokens: 4000, cache_creation_tokens: 10 } },
        { body: 'claude_code.tool_decision', timestamp: at(6), attributes: { ...base, 'event.name': 'tool_decision', 'event.timestamp': at(6).toISOString(), 'event.sequence': 3, tool_name: 'Edit', decision: 'accept', source: 'config' } },
        { body: 'claude_code.tool_result', timestamp: at(7), attributes: { ...base, 'event.name': 'tool_result', 'event.timestamp': at(7).toISOString(), 'event.sequence': 4, tool_name: 'Bash', success: 'false', duration_ms: 40, error: 'exit 1', tool_parameters: '{"command":"npm test"}' } },
      ]);
      await exportLogs(target, { 'service.name': 'codex_cli_rs', 'service.version': '0.50.0' }, [
        { timestamp: at(10), attributes: { 'event.name': 'codex.conversation_starts', 'conversation.id': 'codex-conv-1', model: 'gpt-5-codex', 'user.email': 'dev@acme.com', 'event.timestamp': at(10).toISOString() } },
        { timestamp: at(11), attributes: { 'event.name': 'codex.sse_event', 'conversation.id': 'codex-conv-1', model: 'gpt-5-codex', 'event.kind': 'response.completed', input_token_count: '1000', output_token_count: '250', cached_token_count: '100', duration_ms: '900' } },
      ]);
      const attrs = { 'session.id': 'fuzz-session-1', 'user.email': 'dev@acme.com', 'organization.id': 'org-1' };
      await exportCounters(target, claude, [
        { name: 'claude_code.session.count', adds: [{ value: 1, attributes: attrs }] },
        { name: 'claude_code.token.usage', unit: 'tokens', adds: [{ value: 2300, attributes: { ...attrs, type: 'input', model: 'claude-sonnet-4-5' } }] },
        { name: 'claude_code.cost.usage', unit: 'USD', adds: [{ value: 0.0208, attributes: { ...attrs, model: 'claude-sonnet-4-5' } }] },
        { name: 'claude_code.lines_of_code.count', adds: [{ value: 100, attributes: { ...attrs, type: 'added' } }, { value: 30, attributes: { ...attrs, type: 'removed' } }] },
      ]);
      await exportSpans(target, { 'service.name': 'copilot-chat', 'service.version': '0.36.0' }, [
        {
          name: 'invoke_agent copilot',
          start: at(20),
          end: at(80),
          kind: SpanKind.INTERNAL,
          attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'copilot', 'gen_ai.conversation.id': 'conv-fuzz-1', 'user.email': 'dev@acme.com' },
          children: [
            { name: 'chat gpt-4.1', start: at(21), end: at(30), kind: SpanKind.CLIENT, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4.1', 'gen_ai.response.model': 'gpt-4.1-2025-04-14', 'gen_ai.usage.input_tokens': 1500, 'gen_ai.usage.output_tokens': 200 } },
            { name: 'execute_tool run_in_terminal', start: at(31), end: at(40), attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'run_in_terminal' }, error: true },
          ],
        },
      ]);
    }
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  for (const encoding of ['json', 'protobuf'] as const) {
    for (const signal of ['logs', 'metrics', 'traces'] as const) if (captured[encoding][signal].length === 0) throw new Error(`no OTLP ${encoding} ${signal} captured`);
  }
  return captured;
}

/** Makes a body unique per case (OTLP dedupes by body hash): a service.instance.id resource attribute in JSON. */
function uniqueOtlpJson(payload: Json, id: string): Json {
  const copy = structuredClone(payload);
  const key = Object.keys(copy).find((k) => k.startsWith('resource'));
  const list = key ? (copy[key] as Array<{ resource?: { attributes?: unknown[] } }>) : [];
  for (const r of list) r.resource?.attributes?.push({ key: 'service.instance.id', value: { stringValue: id } });
  return copy;
}

/** Makes a protobuf body unique (OTLP dedupes by body hash): an unknown field 15 appended, which decoders skip. */
function withUnknownField(body: Buffer, id: string): Buffer {
  const value = Buffer.from(id, 'utf8');
  return Buffer.concat([body, Buffer.from([(15 << 3) | 2, value.length]), value]);
}

function otlpRequest(c: Credentials, signal: string, encoding: 'json' | 'protobuf', body: Buffer, rng: Rng | undefined, applied: string[]): FuzzRequest {
  const headers: Record<string, string> = { 'content-type': encoding === 'json' ? 'application/json' : 'application/x-protobuf', authorization: `Bearer ${c.ingestToken}`, 'user-agent': 'OTel-OTLP-Exporter-JavaScript/0.223.0' };
  let sent = body;
  if (rng?.chance(0.1)) {
    headers['content-encoding'] = 'gzip';
    sent = gzipSync(body);
    if (rng.chance(0.3)) sent = mutateBytes(sent, rng, applied);
    applied.push('gzip');
  }
  return { path: `/v1/${signal}`, headers, body: sent, applied };
}

// ---------------------------------------------------------------------------------------------------------

export function fuzzTargets(otlp: OtlpCapture): FuzzTarget[] {
  const github = githubBases();
  const gitlab = GITLAB_FIXTURES.map(([file, event]) => ({ event, payload: fixtureJson('gitlab', file) }));
  const jira = JIRA_FIXTURES.map((file) => fixtureJson('jira', file));
  const linear = LINEAR_FIXTURES.map((file) => fixtureJson('linear', file));
  const targets: FuzzTarget[] = [
    {
      name: 'github',
      originals: (c, tag) => github.map((b, i) => githubRequest(c, b.event, Buffer.from(JSON.stringify(b.payload)), caseId(0, i, Number.parseInt(tag, 36) || 1), [])),
      mutated(c, seed, index) {
        const rng = caseRng(seed, 'github', index);
        const base = rng.pick(github);
        const { body, applied } = mutateJsonPayload(base.payload, rng);
        return githubRequest(c, base.event, body, caseId(seed, index), [`${base.event}.${String(base.payload.action ?? '')}`, ...applied]);
      },
    },
    {
      name: 'gitlab',
      originals: (c, tag) => gitlab.map((b, i) => gitlabRequest(c, b.event, Buffer.from(JSON.stringify(b.payload)), `orig-${tag}-${i}`, [])),
      mutated(c, seed, index) {
        const rng = caseRng(seed, 'gitlab', index);
        const base = rng.pick(gitlab);
        const { body, applied } = mutateJsonPayload(base.payload, rng);
        return gitlabRequest(c, base.event, body, caseId(seed, index), [base.event, ...applied]);
      },
    },
    {
      name: 'jira',
      originals: (c, tag) => jira.map((p, i) => jiraRequest(c, Buffer.from(JSON.stringify(p)), `orig-${tag}-${i}`, [])),
      mutated(c, seed, index) {
        const rng = caseRng(seed, 'jira', index);
        const base = rng.pick(jira);
        const { body, applied } = mutateJsonPayload(base, rng);
        return jiraRequest(c, body, caseId(seed, index), [String(base.webhookEvent), ...applied]);
      },
    },
    {
      name: 'linear',
      originals: (c, tag) => linear.map((p, i) => linearRequest(c, Buffer.from(JSON.stringify({ ...p, webhookTimestamp: Date.now() })), `orig-${tag}-${i}`, String(p.type), [])),
      mutated(c, seed, index) {
        const rng = caseRng(seed, 'linear', index);
        const base = rng.pick(linear);
        // Signed at sending time, as Linear does (webhookTimestamp within 60 s), then mutated like the rest.
        const { body, applied } = mutateJsonPayload({ ...base, webhookTimestamp: Date.now() }, rng);
        return linearRequest(c, body, caseId(seed, index), String(base.type), [`${String(base.type)}.${String(base.action)}`, ...applied]);
      },
    },
    {
      name: 'events-ndjson',
      originals: (c, tag) => [eventsRequest(c, Buffer.from(oneOfEachType(`orig-${tag}`).map((e) => JSON.stringify(e)).join('\n') + '\n'), [])],
      mutated(c, seed, index) {
        const rng = caseRng(seed, 'events', index);
        const applied: string[] = [];
        const lines = oneOfEachType(`fz-${seed}-${index}`)
          .filter(() => rng.chance(0.6))
          .map((event) => (rng.chance(0.4) ? mutateJsonText(event, rng, applied) : JSON.stringify(event)));
        let body: Buffer = Buffer.from(lines.join(rng.chance(0.9) ? '\n' : '\r\n') + (rng.chance(0.8) ? '\n' : ''));
        if (applied.length === 0 || rng.chance(0.25)) body = mutateBytes(body, rng, applied);
        return eventsRequest(c, body, applied);
      },
    },
  ];
  for (const encoding of ['json', 'protobuf'] as const) {
    for (const signal of ['logs', 'metrics', 'traces'] as const) {
      const bases = otlp[encoding][signal];
      const parsed = encoding === 'json' ? bases.map((b) => JSON.parse(b.toString('utf8')) as Json) : [];
      targets.push({
        name: `otlp-${encoding}-${signal}`,
        originals: (c, tag) =>
          encoding === 'json' ? parsed.map((p, i) => otlpRequest(c, signal, encoding, Buffer.from(JSON.stringify(uniqueOtlpJson(p, `orig-${tag}-${i}`))), undefined, [])) : bases.map((b, i) => otlpRequest(c, signal, encoding, withUnknownField(b, `orig-${tag}-${i}`), undefined, [])),
        mutated(c, seed, index) {
          const rng = caseRng(seed, `otlp-${encoding}-${signal}`, index);
          if (encoding === 'json') {
            const base = uniqueOtlpJson(rng.pick(parsed), caseId(seed, index));
            const { body, applied } = mutateJsonPayload(base, rng);
            return otlpRequest(c, signal, encoding, body, rng, applied);
          }
          const applied: string[] = [];
          return otlpRequest(c, signal, encoding, mutateProtobuf(rng.pick(bases), rng, applied), rng, applied);
        },
      });
    }
  }
  return targets;
}
