import { PipelineService } from '../../../server/src/pipeline/pipeline.service';
import { exportLogs, type LogRecordInput } from '../../support/otlp-senders';
import { deliverJiraStory } from '../../support/stories/jira-story';
import { deliverLinearStory } from '../../support/stories/linear-story';
import { TEST_ADMIN_TOKEN, type TestApp } from '../../support/test-app';

/**
 * A workspace for the dashboard, loaded only through the real endpoints: the teams file, two webhook
 * stories (Linear → GitHub, Jira → GitHub), twelve weeks of generic events for two teams (insights, work
 * started, evidence, decisions, production deployments and incidents) and a few Claude Code sessions over
 * OpenTelemetry, then the pipeline drained. Times are relative to the week of `now`, so the default period
 * of the dashboard shows them; the tests compare the page with what the API answers, not with constants.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface DashboardData {
  /** An admin-scope API token, to sign in through the token form (settings need admin). */
  adminToken: string;
  /** A read-scope token, to ask the API what the page should show. */
  readToken: string;
  /** Monday 00:00 UTC of the current week. */
  weekStart: Date;
  /** The custom period the tests open: the 8 whole weeks before this one (`to` inclusive). */
  period: { from: string; to: string; apiFrom: string; apiTo: string };
  teams: string[];
}

export function mondayOf(date: Date): Date {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY_MS);
}

async function ok<T>(t: TestApp, method: string, path: string, token: string, body?: unknown): Promise<T> {
  const res = await t.request<T>(method, path, { token, body });
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${res.text}`);
  return res.body;
}

interface GenericEvent {
  id: string;
  type: string;
  occurredAt: string;
  [field: string]: unknown;
}

/** Twelve weeks of experiments for two teams: payments gets faster week after week, growth is slower and steady. */
function experimentEvents(weekStart: Date, now: Date): GenericEvent[] {
  const events: GenericEvent[] = [];
  const kinds = ['eval_passed', 'demo_accepted', 'tests_passed', 'preview_live'];
  for (let weeksAgo = 12; weeksAgo >= 1; weeksAgo--) {
    const monday = weekStart.getTime() - weeksAgo * 7 * DAY_MS;
    for (const team of ['payments', 'growth']) {
      const count = team === 'payments' ? 3 + (weeksAgo % 3) : 2 + (weeksAgo % 2);
      for (let j = 0; j < count; j++) {
        const key = `${team}-w${weeksAgo}-${j}`;
        const insight = monday + (j * 29 + 2) * HOUR_MS;
        const cycleHours = team === 'payments' ? 8 + 3 * weeksAgo + ((j * 7) % 9) : 30 + ((weeksAgo * 5 + j * 11) % 40);
        const started = insight + Math.round(cycleHours * 0.3) * HOUR_MS;
        const evidence = insight + cycleHours * HOUR_MS;
        events.push({ id: `${key}-captured`, type: 'insight.captured', occurredAt: new Date(insight).toISOString(), insightId: key, title: `${team} request ${weeksAgo}.${j}`, source: 'zendesk', team });
        events.push({ id: `${key}-started`, type: 'work.started', occurredAt: new Date(started).toISOString(), insightId: key, actor: `dev${j}@acme.test` });
        if (evidence < now.getTime()) {
          events.push({ id: `${key}-evidence`, type: 'evidence.recorded', occurredAt: new Date(evidence).toISOString(), insightId: key, kind: kinds[(weeksAgo + j) % kinds.length] });
          const decision = (['promote', 'reject', 'refine', null] as const)[(weeksAgo + j) % 4];
          const decided = evidence + (decision === 'reject' ? 20 : 10) * HOUR_MS;
          if (decision && decided < now.getTime()) events.push({ id: `${key}-decision`, type: 'decision.made', occurredAt: new Date(decided).toISOString(), insightId: key, decision });
        }
      }
    }
  }
  return events;
}

/**
 * Team search got slower in the last two weeks: 24 experiments at 60-80 h against 30 at 10-20 h in the eight
 * weeks before. Enough on both sides for the regression detector (14 days against the 56 before, at least 20
 * items each) to open a finding the tests can acknowledge and resolve.
 */
function regressionEvents(now: Date): GenericEvent[] {
  const events: GenericEvent[] = [];
  const add = (key: string, evidenceAt: number, cycleHours: number) => {
    const insight = evidenceAt - cycleHours * HOUR_MS;
    events.push({ id: `${key}-captured`, type: 'insight.captured', occurredAt: new Date(insight).toISOString(), insightId: key, title: `search request ${key}`, source: 'intercom', team: 'search' });
    events.push({ id: `${key}-evidence`, type: 'evidence.recorded', occurredAt: new Date(evidenceAt).toISOString(), insightId: key, kind: 'tests_passed' });
  };
  for (let i = 0; i < 24; i++) add(`search-recent-${i}`, now.getTime() - (1 + i * 0.5) * DAY_MS, 60 + (i % 5) * 5);
  for (let i = 0; i < 30; i++) add(`search-baseline-${i}`, now.getTime() - (16 + i * 1.7) * DAY_MS, 10 + (i % 6) * 2);
  return events;
}

/** Three production deployments a week; every fourth is followed by an incident, resolved a few hours later. */
function deliveryEvents(weekStart: Date): GenericEvent[] {
  const events: GenericEvent[] = [];
  let n = 0;
  for (let weeksAgo = 12; weeksAgo >= 1; weeksAgo--) {
    for (let d = 0; d < 3; d++) {
      n++;
      const at = weekStart.getTime() - weeksAgo * 7 * DAY_MS + (d * 2 + 1) * DAY_MS + 10 * HOUR_MS;
      const deploymentId = `deploy-${n}`;
      events.push({ id: `${deploymentId}-success`, type: 'deployment', occurredAt: new Date(at).toISOString(), deploymentId, service: 'checkout', environment: 'production', environmentKind: 'production', status: 'success' });
      if (n % 4 === 0) {
        events.push({ id: `inc-${n}-opened`, type: 'incident', occurredAt: new Date(at + 2 * HOUR_MS).toISOString(), incidentId: `INC-${n}`, status: 'opened', deploymentId, service: 'checkout' });
        events.push({ id: `inc-${n}-resolved`, type: 'incident', occurredAt: new Date(at + (3 + (n % 5)) * HOUR_MS).toISOString(), incidentId: `INC-${n}`, status: 'resolved', deploymentId, service: 'checkout' });
      }
    }
  }
  return events;
}

/** Claude Code sessions over OpenTelemetry (as the agent exports them), for the Agents page. */
function claudeSessions(weekStart: Date): LogRecordInput[] {
  const records: LogRecordInput[] = [];
  for (let s = 0; s < 4; s++) {
    const start = weekStart.getTime() - (s + 1) * 5 * DAY_MS + 9 * HOUR_MS;
    const sessionId = `claude-session-${s}`;
    const user = { 'user.email': `dev${s % 2}@acme.test`, 'user.account_uuid': `uuid-${s % 2}` };
    const event = (seconds: number, name: string, sequence: number, attributes: Record<string, string | number>): LogRecordInput => ({
      body: `claude_code.${name}`,
      timestamp: new Date(start + seconds * 1000),
      attributes: { 'session.id': sessionId, ...user, 'prompt.id': `${sessionId}-p1`, 'event.name': name, 'event.timestamp': new Date(start + seconds * 1000).toISOString(), 'event.sequence': sequence, ...attributes },
    });
    records.push(
      event(0, 'user_prompt', 1, { prompt_length: 30 }),
      event(20, 'api_request', 2, { model: s % 2 ? 'claude-haiku-4-5' : 'claude-sonnet-4-5', cost_usd: 0.25 + s * 0.1, duration_ms: 4000, input_tokens: 12_000 + s * 1000, output_tokens: 900, cache_read_tokens: 0, cache_creation_tokens: 0 }),
      event(600, 'api_request', 3, { model: s % 2 ? 'claude-haiku-4-5' : 'claude-sonnet-4-5', cost_usd: 0.5, duration_ms: 5000, input_tokens: 20_000, output_tokens: 1500, cache_read_tokens: 0, cache_creation_tokens: 0 }),
    );
  }
  return records;
}

export async function loadDashboardData(t: TestApp, now: Date = new Date()): Promise<DashboardData> {
  const weekStart = mondayOf(now);
  const token = async (name: string, scope: string, team?: string) =>
    (await ok<{ token: string }>(t, 'POST', '/api/tokens', TEST_ADMIN_TOKEN, { name, scope, ...(team ? { team } : {}) })).token;
  const adminToken = await token('dashboard admin', 'admin');
  const readToken = await token('dashboard read', 'read');
  const ingestToken = await token('events', 'ingest');
  const agentToken = await token('claude code', 'ingest', 'payments');

  await ok(t, 'POST', '/api/teams/import', TEST_ADMIN_TOKEN, {
    teams: [
      { key: 'payments', name: 'Payments', members: [{ email: 'dev0@acme.test', name: 'Ada Payments', role: 'lead' }, { email: 'dev1@acme.test', name: 'Ben Payments' }] },
      { key: 'growth', name: 'Growth', members: [{ email: 'dev2@acme.test', name: 'Cleo Growth' }] },
    ],
  });

  await deliverLinearStory(t);
  await deliverJiraStory(t);
  const events = [...experimentEvents(weekStart, now), ...deliveryEvents(weekStart), ...regressionEvents(now)];
  const answer = await ok<{ counts: { rejected: number }; rejected: unknown[] }>(t, 'POST', '/api/events', ingestToken, events);
  if (answer.counts.rejected > 0) throw new Error(`events rejected: ${JSON.stringify(answer.rejected.slice(0, 3))}`);
  const otlp = await exportLogs({ url: t.url, token: agentToken, protocol: 'http/json' }, { 'service.name': 'claude-code', 'service.version': '2.1.0' }, claudeSessions(weekStart));
  if (!otlp.codes.every((c) => c === 0)) throw new Error(`OTLP export failed: ${otlp.codes.join(',')}`);
  await t.app.get(PipelineService).drain();

  const from = new Date(weekStart.getTime() - 8 * 7 * DAY_MS);
  const lastDay = new Date(weekStart.getTime() - DAY_MS);
  return {
    adminToken,
    readToken,
    weekStart,
    period: { from: from.toISOString().slice(0, 10), to: lastDay.toISOString().slice(0, 10), apiFrom: from.toISOString(), apiTo: weekStart.toISOString() },
    teams: ['payments', 'growth'],
  };
}
