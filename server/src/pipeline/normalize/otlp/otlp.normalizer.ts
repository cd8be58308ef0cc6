import { createHash } from 'node:crypto';
import type { OtlpSignal } from '../../../agents/otlp/otlp-proto';
import {
  nanosToIso,
  OtlpDecodeError,
  otlpEncodingOf,
  readOtlpRequest,
  type Attributes,
  type AttributeValue,
  type OtlpLogRecord,
  type OtlpMetric,
  type OtlpSpan,
} from '../../../agents/otlp/otlp-request';
import {
  InvalidEventError,
  type AgentMetricPointFact,
  type AgentRunFact,
  type AgentGitRef,
  type AgentSessionFact,
  type AgentTokens,
  type Fact,
  type NormalizeResult,
  type Normalizer,
  type RawEventRow,
} from '../facts';

/**
 * OTLP exports from coding agents → agent runs, metric points and sessions.
 *
 * - Claude Code: events `claude_code.*` (the name in the log body, in `event.name` without its prefix, or in
 *   the record's event name), attributes `session.id`, `user.email`, `user.account_uuid`, `prompt.id`; metrics
 *   `claude_code.token.usage` (type input/output/cacheRead/cacheCreation), `cost.usage`, `lines_of_code.count`
 *   (type added/removed), `session.count`, `commit.count`, `pull_request.count` (delta temporality by default).
 * - Codex: events `codex.*` with empty bodies, the name in `event.name`, `conversation.id` as the session, numbers
 *   as strings; `codex.sse_event` comes once per streamed chunk and only `event.kind=response.completed` is a
 *   response (with its token counts).
 * - GitHub Copilot Chat / CLI and any agent following the OpenTelemetry GenAI conventions: spans with
 *   `gen_ai.operation.name` — `chat` (a model request: `gen_ai.request.model` / `gen_ai.response.model`,
 *   `gen_ai.usage.*` tokens), `invoke_agent` (a user turn; nested ones are subagents and are not turns of their
 *   own), `execute_tool` (`gen_ai.tool.name`). The session is `gen_ai.conversation.id`, or that of another span of
 *   the same trace in the export (Copilot's tool spans carry none); the agent is the `service.name`.
 *
 * Prompt text, tool arguments, tool output and tool error text are never copied out of the raw body. Records of
 * other kinds are skipped; a body with nothing usable is dropped with the reasons (the raw row stays).
 */
export const normalizeOtlp: Normalizer = (event: RawEventRow): NormalizeResult => {
  const signal = event.eventType as OtlpSignal;
  if (signal !== 'logs' && signal !== 'metrics' && signal !== 'traces') throw new InvalidEventError(`unknown OTLP signal '${event.eventType}'`);
  const encoding = otlpEncodingOf(event.contentType) ?? 'json';
  const collector = new Collector(event);
  try {
    if (signal === 'logs') {
      for (const resource of readOtlpRequest('logs', encoding, event.body).resources)
        for (const scope of resource.scopes) for (const record of scope.items) collector.logRecord(resource.attributes, record);
    } else if (signal === 'metrics') {
      for (const resource of readOtlpRequest('metrics', encoding, event.body).resources)
        for (const scope of resource.scopes) for (const metric of scope.items) collector.metric(resource.attributes, metric);
    } else {
      const request = readOtlpRequest('traces', encoding, event.body);
      const conversations = conversationsByTrace(request.resources.flatMap((r) => r.scopes.flatMap((s) => s.items)));
      for (const resource of request.resources)
        for (const scope of resource.scopes) for (const span of scope.items) collector.span(resource.attributes, span, conversations);
    }
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw new InvalidEventError(error.message);
    throw error;
  }
  return collector.result();
};

const AGENT_PREFIXES: ReadonlyArray<{ prefix: string; agent: 'claude-code' | 'codex'; sessionAttribute: string }> = [
  { prefix: 'claude_code.', agent: 'claude-code', sessionAttribute: 'session.id' },
  { prefix: 'codex.', agent: 'codex', sessionAttribute: 'conversation.id' },
];

/** Claude Code metrics and what they count; the others of the agent are known but carried by its events. */
const CLAUDE_METRICS: Readonly<Record<string, AgentMetricPointFact['metric'] | 'unused'>> = {
  'claude_code.session.count': 'sessions',
  'claude_code.token.usage': 'tokens',
  'claude_code.cost.usage': 'cost',
  'claude_code.lines_of_code.count': 'lines',
  'claude_code.commit.count': 'commits',
  'claude_code.pull_request.count': 'pull_requests',
  'claude_code.code_edit_tool.decision': 'unused',
  'claude_code.active_time.total': 'unused',
};

const PERSON_ATTRIBUTES = ['user.email', 'user.account_uuid', 'user.account_id', 'user.id'] as const;

/** At most this many characters of an API error message are kept. */
const MAX_ERROR_CHARS = 500;

/** GenAI operations (gen_ai.operation.name) and what they are in a session. */
const GENAI_OPERATIONS: Readonly<Record<string, 'request' | 'turn' | 'tool'>> = {
  chat: 'request',
  text_completion: 'request',
  generate_content: 'request',
  invoke_agent: 'turn',
  execute_tool: 'tool',
};

interface SessionDraft {
  agent: string;
  sessionId: string;
  startedAt: string;
  endedAt: string;
  person: AgentSessionFact['person'];
  team: AgentSessionFact['team'];
  models: Map<string, number>;
  gitRefs: Map<string, AgentGitRef>;
}

class Collector {
  private readonly runs: AgentRunFact[] = [];
  private readonly points: AgentMetricPointFact[] = [];
  private readonly sessions = new Map<string, SessionDraft>();
  private readonly skipped = new Map<string, number>();

  constructor(private readonly event: RawEventRow) {}

  logRecord(resource: Attributes, record: OtlpLogRecord): void {
    const attrs: Attributes = { ...resource, ...record.attributes };
    const name = eventNameOf(record, attrs);
    if (!name) return this.skip('a log record without an agent event name');
    const known = AGENT_PREFIXES.find((p) => name.startsWith(p.prefix));
    if (!known) return this.skip(`unknown event '${name}'`);
    const sessionId = textOf(attrs[known.sessionAttribute]);
    if (!sessionId) return this.skip(`${name} without ${known.sessionAttribute}`);
    const at = recordTime(record, attrs, this.event.receivedAt);
    const model = textOf(attrs.model);
    this.touchSession(known.agent, sessionId, at, resource, attrs, model);
    const run = known.agent === 'claude-code' ? claudeRun(name, attrs) : codexRun(name, attrs);
    if (!run) return;
    this.runs.push({
      kind: 'agent_run',
      agent: known.agent,
      sessionId,
      runKey: hashOf([name, record.timeUnixNano?.toString() ?? null, at, sortedEntries(record.attributes)]),
      at,
      model,
      promptId: textOf(attrs['prompt.id']),
      tokens: run.tokens ?? NO_TOKENS,
      costUsd: run.costUsd ?? null,
      costSource: run.costUsd === undefined || run.costUsd === null ? null : 'reported',
      toolName: run.toolName ?? null,
      outcome: run.outcome ?? null,
      error: run.error ?? null,
      durationMs: numberOf(attrs.duration_ms),
      runKind: run.runKind,
    });
  }

  metric(resource: Attributes, metric: OtlpMetric): void {
    const counted = CLAUDE_METRICS[metric.name];
    if (counted === undefined) return this.skip(`unknown metric '${metric.name}'`);
    if (counted === 'unused') return this.skip(`metric '${metric.name}' not used (its events carry the same)`);
    if (metric.kind !== 'sum') return this.skip(`metric '${metric.name}' is a ${metric.kind}, not a sum`);
    if (metric.temporality === 'unspecified') return this.skip(`metric '${metric.name}' without aggregation temporality`);
    for (const point of metric.points) {
      const attrs: Attributes = { ...resource, ...point.attributes };
      const sessionId = textOf(attrs['session.id']);
      if (!sessionId) {
        this.skip(`${metric.name} data point without session.id`);
        continue;
      }
      if (point.value === null || !Number.isFinite(point.value)) {
        this.skip(`${metric.name} data point without a number`);
        continue;
      }
      const at = point.timeUnixNano ? nanosToIso(point.timeUnixNano) : this.event.receivedAt.toISOString();
      const model = textOf(attrs.model);
      this.touchSession('claude-code', sessionId, at, resource, attrs, model);
      const seriesKey = hashOf([metric.name, sortedEntries(resource), sortedEntries(point.attributes)]);
      this.points.push({
        kind: 'agent_metric_point',
        agent: 'claude-code',
        sessionId,
        pointKey: hashOf([seriesKey, point.startTimeUnixNano?.toString() ?? null, point.timeUnixNano?.toString() ?? at]),
        metric: counted,
        type: textOf(attrs.type),
        model,
        temporality: metric.temporality,
        seriesKey,
        startAt: point.startTimeUnixNano ? nanosToIso(point.startTimeUnixNano) : null,
        at,
        value: point.value,
      });
    }
  }

  span(resource: Attributes, span: OtlpSpan, conversations: ReadonlyMap<string, string>): void {
    const attrs: Attributes = { ...resource, ...span.attributes };
    const operation = textOf(attrs['gen_ai.operation.name']);
    if (!operation) return this.skip('spans without gen_ai.operation.name');
    const role = GENAI_OPERATIONS[operation];
    if (!role) return this.skip(`GenAI operation '${operation.slice(0, 100)}' not used`);
    const sessionId = textOf(span.attributes['gen_ai.conversation.id']) ?? conversations.get(span.traceId) ?? null;
    if (!sessionId) return this.skip(`${operation} span without gen_ai.conversation.id (none in its trace either)`);
    const agent = genAiAgentOf(resource, attrs);
    const at = span.startTimeUnixNano ? nanosToIso(span.startTimeUnixNano) : this.event.receivedAt.toISOString();
    const endAt = span.endTimeUnixNano ? nanosToIso(span.endTimeUnixNano) : at;
    const model = textOf(attrs['gen_ai.response.model']) ?? textOf(attrs['gen_ai.request.model']);
    this.touchSession(agent, sessionId, at, resource, attrs, role === 'request' ? model : null, endAt);
    // A subagent's invoke_agent hangs under the calling agent's tool span: its requests and tools count, it is no turn.
    if (role === 'turn' && span.parentSpanId) return;
    const errorType = textOf(attrs['error.type']);
    const failed = span.status === 'error' || errorType !== null;
    const durationMs = span.startTimeUnixNano && span.endTimeUnixNano ? Number((span.endTimeUnixNano - span.startTimeUnixNano) / 1000n) / 1000 : null;
    const run: RunDraft =
      role === 'request'
        ? failed
          ? { runKind: 'api_error', outcome: 'error', error: errorText(errorType ?? 'error', null) }
          : { runKind: 'api_request', tokens: genAiTokens(attrs), costUsd: null, outcome: 'success' }
        : role === 'turn'
          ? { runKind: 'user_prompt', tokens: genAiTokens(attrs), outcome: failed ? 'error' : null, error: failed ? errorText(errorType ?? 'error', null) : null }
          : { runKind: 'tool_result', toolName: textOf(attrs['gen_ai.tool.name']), outcome: failed ? 'error' : 'success', error: failed ? errorText(errorType ?? 'error', null) : null };
    this.runs.push({
      kind: 'agent_run',
      agent,
      sessionId,
      runKey: hashOf(['span', span.traceId, span.spanId]),
      at,
      model,
      // One trace is one user request: its requests and tools share it.
      promptId: span.traceId || null,
      tokens: run.tokens ?? NO_TOKENS,
      costUsd: null,
      costSource: null,
      toolName: run.toolName ?? null,
      outcome: run.outcome ?? null,
      error: run.error ?? null,
      durationMs,
      runKind: run.runKind,
    });
  }

  result(): NormalizeResult {
    const sessions: AgentSessionFact[] = [...this.sessions.values()].map((s) => ({
      kind: 'agent_session',
      agent: s.agent,
      sessionId: s.sessionId,
      model: mostUsed(s.models),
      person: s.person,
      team: s.team,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      ...(s.gitRefs.size > 0 ? { gitRefs: [...s.gitRefs.values()].sort((a, b) => compareKeys(gitRefKey(a), gitRefKey(b))) } : {}),
    }));
    if (sessions.length === 0) {
      const reasons = [...this.skipped.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([reason, n]) => (n > 1 ? `${reason} (${n})` : reason));
      return { dropped: `no agent telemetry: ${reasons.slice(0, 5).join('; ') || 'no records'}${reasons.length > 5 ? `; and ${reasons.length - 5} more` : ''}` };
    }
    // Runs and points first: each session fact then recomputes its totals from them.
    const facts: Fact[] = [...this.runs, ...this.points, ...sessions];
    return { facts };
  }

  private skip(reason: string): void {
    this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + 1);
  }

  private touchSession(agent: string, sessionId: string, at: string, resource: Attributes, attrs: Attributes, model: string | null, endAt: string = at): void {
    const key = `${agent}\u0000${sessionId}`;
    let draft = this.sessions.get(key);
    if (!draft) {
      draft = { agent, sessionId, startedAt: at, endedAt: endAt, person: null, team: teamOf(resource, this.event.meta), models: new Map(), gitRefs: new Map() };
      this.sessions.set(key, draft);
    }
    if (at < draft.startedAt) draft.startedAt = at;
    if (endAt > draft.endedAt) draft.endedAt = endAt;
    const person = personOf(attrs);
    if (person && (!draft.person || personRank(person) < personRank(draft.person))) draft.person = person;
    if (model) draft.models.set(model, (draft.models.get(model) ?? 0) + 1);
    for (const ref of gitRefsOf(attrs, at)) {
      const key = gitRefKey(ref);
      const seen = draft.gitRefs.get(key);
      if (!seen || ref.firstSeenAt < seen.firstSeenAt) draft.gitRefs.set(key, ref);
    }
  }
}

/**
 * Where the record says the agent worked: GitHub Copilot (Chat and CLI) puts `github.copilot.git.repository`,
 * `.branch` and `.commit_sha` on its `invoke_agent` spans; any agent can be given the OpenTelemetry VCS attributes
 * (`vcs.repository.url.full`, `vcs.ref.head.name`, `vcs.ref.head.revision`), e.g. in `OTEL_RESOURCE_ATTRIBUTES`.
 * Only full hex shas and plausible branch names are kept.
 */
function gitRefsOf(attrs: Attributes, at: string): AgentGitRef[] {
  const first = (...keys: string[]) => keys.map((k) => textOf(attrs[k])).find((v): v is string => v !== null) ?? null;
  const repoText = first('github.copilot.git.repository', 'vcs.repository.url.full');
  const repo = repoText === null ? null : repoKeyOf(repoText);
  const refs: AgentGitRef[] = [];
  const sha = first('github.copilot.git.commit_sha', 'vcs.ref.head.revision')?.toLowerCase() ?? null;
  if (sha && /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(sha)) refs.push({ type: 'sha', value: sha, repo, firstSeenAt: at });
  const branch = first('github.copilot.git.branch', 'vcs.ref.head.name')?.replace(/^refs\/heads\//, '') ?? null;
  if (branch && branch.length <= 255 && !/[\s~^:?*\[\\]|\.\.|@\{/.test(branch) && branch !== 'HEAD') refs.push({ type: 'branch', value: branch, repo, firstSeenAt: at });
  return refs;
}

/** `https://github.com/Acme/Web.git`, `git@github.com:acme/web.git`, `ssh://git@host:22/group/sub/app` or `acme/web` → `owner/name` (lower-case). */
export function repoKeyOf(value: string): string | null {
  const path = value
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]+@)?[^/]+\//i, '')
    .replace(/^[^@\s/]+@[^:\s/]+:/, '')
    .replace(/\.git$/i, '')
    .replace(/\/+$/, '')
    .toLowerCase();
  return /^[a-z0-9._-]+(?:\/[a-z0-9._-]+)+$/.test(path) ? path : null;
}

function gitRefKey(ref: AgentGitRef): string {
  return `${ref.type}\u0000${ref.repo ?? ''}\u0000${ref.value}`;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface RunDraft {
  runKind: AgentRunFact['runKind'];
  tokens?: AgentTokens;
  costUsd?: number | null;
  toolName?: string | null;
  outcome?: AgentRunFact['outcome'];
  error?: string | null;
}

const NO_TOKENS: AgentTokens = { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };

function claudeRun(name: string, attrs: Attributes): RunDraft | null {
  switch (name) {
    case 'claude_code.api_request':
      return {
        runKind: 'api_request',
        tokens: {
          input: count(attrs.input_tokens),
          output: count(attrs.output_tokens),
          cacheRead: count(attrs.cache_read_tokens),
          cacheCreation: count(attrs.cache_creation_tokens),
        },
        costUsd: numberOf(attrs.cost_usd),
        outcome: 'success',
      };
    case 'claude_code.api_error':
      return { runKind: 'api_error', outcome: 'error', error: errorText(attrs.error, attrs.status_code) };
    case 'claude_code.tool_decision':
      return { runKind: 'tool_decision', toolName: textOf(attrs.tool_name), outcome: decisionOf(attrs.decision) };
    case 'claude_code.tool_result':
      // Only whether it worked: the error text may quote the tool's output (privacy by default).
      return { runKind: 'tool_result', toolName: textOf(attrs.tool_name), outcome: booleanOf(attrs.success) === false ? 'error' : 'success' };
    case 'claude_code.user_prompt':
      return { runKind: 'user_prompt' };
    default:
      return null;
  }
}

function codexRun(name: string, attrs: Attributes): RunDraft | null {
  switch (name) {
    case 'codex.sse_event': {
      const error = textOf(attrs['error.message']);
      if (error) return { runKind: 'api_error', outcome: 'error', error: error.slice(0, MAX_ERROR_CHARS) };
      // One record per streamed chunk: only the completed response carries the usage, and counts as a request.
      if (textOf(attrs['event.kind']) !== 'response.completed') return null;
      const input = count(attrs.input_token_count);
      const cached = count(attrs.cached_token_count);
      return {
        runKind: 'api_request',
        // OpenAI counts cached tokens inside the input tokens; here input means "not read from the cache", as for Claude.
        tokens: { input: Math.max(0, input - cached), output: count(attrs.output_token_count), cacheRead: cached, cacheCreation: count(attrs.cache_write_token_count) },
        costUsd: null,
        outcome: 'success',
      };
    }
    case 'codex.api_request': {
      const status = numberOf(attrs['http.response.status_code']);
      const error = textOf(attrs['error.message']);
      if (!error && (status === null || status < 400)) return null;
      return { runKind: 'api_error', outcome: 'error', error: errorText(error, status) };
    }
    case 'codex.tool_decision':
      return { runKind: 'tool_decision', toolName: textOf(attrs.tool_name), outcome: decisionOf(attrs.decision) };
    case 'codex.tool_result':
      return { runKind: 'tool_result', toolName: textOf(attrs.tool_name), outcome: booleanOf(attrs.success) === false ? 'error' : 'success' };
    case 'codex.user_prompt':
      return { runKind: 'user_prompt' };
    default:
      return null;
  }
}

/** The conversation of each trace, from its spans that carry one (the first in span order when several do). */
function conversationsByTrace(spans: OtlpSpan[]): Map<string, string> {
  const byTrace = new Map<string, string>();
  for (const span of spans) {
    const conversation = textOf(span.attributes['gen_ai.conversation.id']);
    if (conversation && span.traceId && !byTrace.has(span.traceId)) byTrace.set(span.traceId, conversation);
  }
  return byTrace;
}

/**
 * The agent of a GenAI span: its service (`copilot-chat`, `github-copilot`, the agent's own `OTEL_SERVICE_NAME`), which every
 * span of a process carries, so a conversation's spans form one session whichever export brings them; else the
 * span's `gen_ai.agent.name`, provider or system.
 */
function genAiAgentOf(resource: Attributes, attrs: Attributes): string {
  const service = textOf(resource['service.name']);
  const name =
    (service && !service.startsWith('unknown_service') ? service : null) ??
    textOf(attrs['gen_ai.agent.name']) ??
    textOf(attrs['gen_ai.provider.name']) ??
    textOf(attrs['gen_ai.system']) ??
    'genai-agent';
  return name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100) || 'genai-agent';
}

/**
 * Tokens of a GenAI span. `gen_ai.usage.input_tokens` includes the cached input (read from and written to the
 * cache) in the conventions; here input means "neither read from nor written to the cache", as for Claude.
 * Older names (`prompt_tokens`, `completion_tokens`, `cache_read_input_tokens`...) are read too.
 */
function genAiTokens(attrs: Attributes): AgentTokens {
  const first = (...keys: string[]) => count(keys.map((k) => attrs[k]).find((v) => v !== undefined && v !== null));
  const input = first('gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens');
  const cacheRead = first('gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens', 'gen_ai.usage.input_tokens.cached');
  const cacheWrite = first('gen_ai.usage.cache_write.input_tokens', 'gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_creation_input_tokens');
  return {
    input: Math.max(0, input - cacheRead - cacheWrite),
    output: first('gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'),
    cacheRead,
    cacheCreation: cacheWrite,
  };
}

/** The event name: the record's event name, a string body, or `event.name` (Claude Code writes it there without its prefix). */
function eventNameOf(record: OtlpLogRecord, attrs: Attributes): string | null {
  const candidates = [record.eventName, typeof record.body === 'string' ? record.body.trim() : null, textOf(attrs['event.name'])];
  for (const candidate of candidates) if (candidate && AGENT_PREFIXES.some((p) => candidate.startsWith(p.prefix))) return candidate;
  const bare = textOf(attrs['event.name']);
  if (bare && !bare.includes('.') && textOf(attrs['service.name']) === 'claude-code') return `claude_code.${bare}`;
  return candidates.find((c): c is string => typeof c === 'string' && c.length > 0 && c.length <= 200) ?? null;
}

function recordTime(record: OtlpLogRecord, attrs: Attributes, receivedAt: Date): string {
  if (record.timeUnixNano) return nanosToIso(record.timeUnixNano);
  const stamped = textOf(attrs['event.timestamp']);
  if (stamped && !Number.isNaN(Date.parse(stamped))) return new Date(stamped).toISOString();
  if (record.observedTimeUnixNano) return nanosToIso(record.observedTimeUnixNano);
  return receivedAt.toISOString();
}

function teamOf(resource: Attributes, meta: Record<string, unknown>): AgentSessionFact['team'] {
  const fromResource = textOf(resource['team.id']);
  if (fromResource) return { name: fromResource, source: 'resource' };
  const fromToken = typeof meta.tokenTeam === 'string' && meta.tokenTeam.trim() ? meta.tokenTeam.trim() : null;
  return fromToken ? { name: fromToken, source: 'token' } : null;
}

function personOf(attrs: Attributes): AgentSessionFact['person'] {
  for (const source of PERSON_ATTRIBUTES) {
    const value = textOf(attrs[source]);
    if (value) return { key: source === 'user.email' ? value.toLowerCase() : value, source };
  }
  return null;
}

function personRank(person: NonNullable<AgentSessionFact['person']>): string {
  return `${PERSON_ATTRIBUTES.indexOf(person.source)}\u0000${person.key}`;
}

function decisionOf(value: AttributeValue | undefined): AgentRunFact['outcome'] {
  const decision = textOf(value)?.toLowerCase();
  if (!decision) return null;
  if (['accept', 'accepted', 'approved', 'approved_for_session', 'allow'].includes(decision)) return 'accepted';
  if (['reject', 'rejected', 'denied', 'deny', 'abort'].includes(decision)) return 'rejected';
  return null;
}

function errorText(error: AttributeValue | undefined | string | null, status: AttributeValue | undefined | number | null): string | null {
  const text = typeof error === 'string' ? error : textOf(error ?? undefined);
  const code = typeof status === 'number' ? status : numberOf(status ?? undefined);
  const joined = [code === null ? null : String(code), text].filter(Boolean).join(': ');
  return joined ? joined.slice(0, MAX_ERROR_CHARS) : null;
}

function textOf(value: AttributeValue | undefined): string | null {
  if (typeof value === 'string') return value.trim() || null;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/** Numbers arrive as ints, doubles or (Codex) strings. */
function numberOf(value: AttributeValue | undefined): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** A token count: a whole, non-negative number (0 when absent). */
function count(value: AttributeValue | undefined): number {
  const n = numberOf(value);
  return n === null || n < 0 ? 0 : Math.round(n);
}

function booleanOf(value: AttributeValue | undefined): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return null;
}

function mostUsed(models: Map<string, number>): string | null {
  let best: [string, number] | null = null;
  for (const entry of models) if (!best || entry[1] > best[1] || (entry[1] === best[1] && entry[0] < best[0])) best = entry;
  return best ? best[0] : null;
}

function sortedEntries(attrs: Attributes): Array<[string, AttributeValue]> {
  return Object.entries(attrs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}
