import type { DataSource } from 'typeorm';
import { generateEvents, rawEventRowOf } from '../../bench/generator';
import { DEFAULT_PRICE_TABLE } from '../../server/src/agents/pricing/prices';
import type { AgentMetricPointFact, AgentRunFact, AgentSessionFact, Fact } from '../../server/src/pipeline/normalize/facts';
import { NORMALIZERS } from '../../server/src/pipeline/normalize/registry';
import { projectEvents, projectFacts, type EventFacts, type ProjectionSettings } from '../../server/src/pipeline/project/project-facts';
import { shuffled } from '../support/shuffled';
import { openTestDataSource } from '../support/test-data-source';

/**
 * Agent telemetry (runs, metric points, sessions and their git refs) is projected set-based: a whole batch in a few
 * statements. The per-fact path (one statement per run or point, an upsert and a totals query per session fact) is
 * kept: the pipeline falls back to it event by event when a batch statement fails. Both must write the same rows,
 * lineage included, in whatever order the raw events come and however often they are repeated.
 */
const ORG_A = '00000000-0000-0000-0000-00000000000a';
const ORG_B = '00000000-0000-0000-0000-00000000000b';
const AGENT_TABLES = ['agent_runs', 'agent_metric_points', 'agent_sessions', 'agent_session_git_refs'] as const;
const SETTINGS: ProjectionSettings = { insightLabels: new Set(['customer-request']), prices: DEFAULT_PRICE_TABLE };

type Snapshot = Record<(typeof AGENT_TABLES)[number], string[]>;

const NO_TOKENS = { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };

function run(sessionId: string, runKey: string, fields: Partial<AgentRunFact>): AgentRunFact {
  return {
    kind: 'agent_run', agent: 'claude-code', sessionId, runKey, runKind: 'api_request', at: '2026-03-02T10:00:00Z', model: null, promptId: null, tokens: NO_TOKENS,
    costUsd: null, costSource: null, toolName: null, outcome: null, error: null, durationMs: null, ...fields,
  };
}

function point(sessionId: string, pointKey: string, fields: Partial<AgentMetricPointFact>): AgentMetricPointFact {
  return {
    kind: 'agent_metric_point', agent: 'claude-code', sessionId, pointKey, metric: 'tokens', type: 'input', model: null, temporality: 'delta', seriesKey: 's', startAt: null,
    at: '2026-03-02T10:00:00Z', value: 0, ...fields,
  };
}

function session(sessionId: string, fields: Partial<AgentSessionFact>): AgentSessionFact {
  return { kind: 'agent_session', agent: 'claude-code', sessionId, model: null, person: null, team: null, startedAt: '2026-03-02T10:00:00Z', endedAt: '2026-03-02T10:00:00Z', ...fields };
}

const SHA_1 = 'a'.repeat(40);
const SHA_2 = 'b'.repeat(40);

/**
 * Hand-made events with what the merges must get right, each shaped as the OTLP normalizer shapes them (a session
 * fact after the runs and points of the session, in every event that has any):
 * - a run redelivered by a later raw event (lineage: the first), reported, computed and unknown costs, tool decisions,
 *   errors, GenAI turns with token totals;
 * - the person (user.email beats the account ids, which beat user.id; ties: the smaller key) and the team
 *   (the resource attribute beats the token's team) from different events; the smallest model, the earliest start
 *   and latest end, two spellings of one instant;
 * - cumulative token series with a reset and a restarted exporter, delta lines, fractional cost points, token points
 *   of a model without a price;
 * - git refs seen by several events (first sighting wins), the same session id in two orgs.
 */
function handMadeEvents(): EventFacts[] {
  const e = (orgId: string, rawEventId: number, facts: Fact[]): EventFacts => ({ orgId, rawEventId: String(rawEventId), facts });
  const opus = 'claude-opus-4-1';
  const sonnet = 'claude-sonnet-4-5';
  return [
    e(ORG_A, 101, [
      run('cc-1', 'r1', { model: sonnet, tokens: { input: 1200, output: 340, cacheRead: 5000, cacheCreation: 0 }, costUsd: 0.0123, costSource: 'reported', promptId: 'p1', durationMs: 812.5 }),
      run('cc-1', 'r2', { runKind: 'tool_decision', toolName: 'Edit', outcome: 'accepted', at: '2026-03-02T10:01:00Z' }),
      session('cc-1', { model: sonnet, person: { key: 'acct-7', source: 'user.account_uuid' }, team: { name: 'payments', source: 'resource' }, startedAt: '2026-03-02T11:00:00+01:00', endedAt: '2026-03-02T10:01:00Z' }),
    ]),
    e(ORG_A, 102, [
      run('cc-1', 'r3', { model: opus, tokens: { input: 900, output: 120, cacheRead: 0, cacheCreation: 2048 }, at: '2026-03-02T10:05:00Z', promptId: 'p2' }),
      run('cc-1', 'r4', { runKind: 'user_prompt', at: '2026-03-02T10:04:00Z', promptId: 'p2' }),
      run('cc-1', 'r5', { runKind: 'tool_decision', toolName: 'Bash', outcome: 'rejected', at: '2026-03-02T10:06:00Z' }),
      session('cc-1', {
        model: opus, person: { key: 'ann@example.com', source: 'user.email' }, team: { name: 'web', source: 'token' }, startedAt: '2026-03-02T10:04:00Z', endedAt: '2026-03-02T10:06:00Z',
        gitRefs: [{ type: 'branch', value: 'feat/csv', repo: 'acme/web', firstSeenAt: '2026-03-02T10:04:00Z' }, { type: 'sha', value: SHA_1, repo: null, firstSeenAt: '2026-03-02T10:05:00Z' }],
      }),
    ]),
    // r1 again (a re-export) with a lower-ranked person and no team; the sha seen earlier than event 102 says.
    e(ORG_A, 103, [
      run('cc-1', 'r1', { model: sonnet, tokens: { input: 1200, output: 340, cacheRead: 5000, cacheCreation: 0 }, costUsd: 0.0123, costSource: 'reported', promptId: 'p1', durationMs: 812.5 }),
      session('cc-1', { model: sonnet, person: { key: 'aaa', source: 'user.id' }, startedAt: '2026-03-02T10:00:00.000Z', endedAt: '2026-03-02T10:00:00Z',
        gitRefs: [{ type: 'sha', value: SHA_1, repo: null, firstSeenAt: '2026-03-02T09:59:00Z' }] }),
    ]),
    // Another user.email: 'ann@…' < 'zed@…', so ann stays.
    e(ORG_A, 104, [
      run('cc-1', 'r6', { runKind: 'api_error', error: 'overloaded', outcome: 'error', at: '2026-03-02T10:07:00Z', model: sonnet }),
      session('cc-1', { model: sonnet, person: { key: 'zed@example.com', source: 'user.email' }, team: { name: 'zeta', source: 'resource' }, startedAt: '2026-03-02T10:07:00Z', endedAt: '2026-03-02T10:07:00Z',
        gitRefs: [{ type: 'branch', value: 'feat/csv', repo: 'acme/web', firstSeenAt: '2026-03-02T10:07:00Z' }, { type: 'sha', value: SHA_2, repo: 'acme/web', firstSeenAt: '2026-03-02T10:07:00Z' }] }),
    ]),
    // Metric points only: cumulative input tokens 100, 250, then a reset to 40 and 90; a restarted exporter (new
    // start time) at 130 (counted whole, not as 40 more than 90); delta output tokens; fractional cost points; lines and commits. Tokens of a model without
    // a price: the cost comes from the cost metric.
    e(ORG_A, 105, [
      point('cc-2', 'q1', { temporality: 'cumulative', seriesKey: 'in', startAt: '2026-03-03T09:00:00Z', at: '2026-03-03T09:01:00Z', value: 100, model: 'mystery-model' }),
      point('cc-2', 'q2', { temporality: 'cumulative', seriesKey: 'in', startAt: '2026-03-03T09:00:00Z', at: '2026-03-03T09:02:00Z', value: 250, model: 'mystery-model' }),
      point('cc-2', 'q3', { type: 'output', value: 70, at: '2026-03-03T09:02:00Z', model: 'mystery-model' }),
      point('cc-2', 'q4', { metric: 'cost', type: null, value: 0.1, at: '2026-03-03T09:02:00Z' }),
      session('cc-2', { person: { key: 'bob@example.com', source: 'user.email' }, team: { name: 'payments', source: 'token' }, startedAt: '2026-03-03T09:01:00Z', endedAt: '2026-03-03T09:02:00Z' }),
    ]),
    e(ORG_A, 106, [
      point('cc-2', 'q5', { temporality: 'cumulative', seriesKey: 'in', startAt: '2026-03-03T09:00:00Z', at: '2026-03-03T09:03:00Z', value: 40, model: 'mystery-model' }),
      point('cc-2', 'q6', { temporality: 'cumulative', seriesKey: 'in', startAt: '2026-03-03T09:00:00Z', at: '2026-03-03T09:04:00Z', value: 90, model: 'mystery-model' }),
      point('cc-2', 'q7', { temporality: 'cumulative', seriesKey: 'in', startAt: '2026-03-03T09:05:00Z', at: '2026-03-03T09:06:00Z', value: 130, model: 'mystery-model' }),
      point('cc-2', 'q8', { metric: 'cost', type: null, value: 0.2, at: '2026-03-03T09:04:00Z' }),
      point('cc-2', 'q9', { metric: 'cost', type: null, value: 0.3, at: '2026-03-03T09:06:00Z' }),
      point('cc-2', 'q10', { metric: 'lines', type: 'added', value: 120, at: '2026-03-03T09:06:00Z' }),
      point('cc-2', 'q11', { metric: 'lines', type: 'removed', value: 7, at: '2026-03-03T09:06:00Z' }),
      point('cc-2', 'q12', { metric: 'commits', type: null, value: 2, at: '2026-03-03T09:06:00Z' }),
      session('cc-2', { startedAt: '2026-03-03T09:03:00Z', endedAt: '2026-03-03T09:06:00Z' }),
    ]),
    // Token points of a priced model and no cost metric: computed from the price table.
    e(ORG_A, 107, [
      point('cc-3', 'q1', { type: 'input', value: 5000, model: sonnet }),
      point('cc-3', 'q2', { type: 'output', value: 800, model: sonnet }),
      point('cc-3', 'q3', { type: 'cacheRead', value: 12000, model: sonnet }),
      session('cc-3', { model: sonnet }),
    ]),
    // Codex: a model the price table does not know (cost unknown), a known one (computed).
    e(ORG_A, 108, [
      run('cx-1', 'r1', { agent: 'codex', model: 'mystery-1', tokens: { input: 300, output: 20, cacheRead: 0, cacheCreation: 0 } }),
      run('cx-1', 'r2', { agent: 'codex', model: 'gpt-5-codex', tokens: { input: 700, output: 90, cacheRead: 100, cacheCreation: 0 }, at: '2026-03-02T10:02:00Z' }),
      run('cx-1', 'r3', { agent: 'codex', model: 'gpt-5-codex', tokens: { input: 10, output: 5, cacheRead: 0, cacheCreation: 0 }, at: '2026-03-02T10:03:00Z' }),
      session('cx-1', { agent: 'codex', model: 'gpt-5-codex', person: { key: 'cy@example.com', source: 'user.email' }, endedAt: '2026-03-02T10:03:00Z' }),
    ]),
    // A GenAI agent: turns with token totals and no request spans, a tool.
    e(ORG_A, 109, [
      run('cp-1', 'r1', { agent: 'copilot-chat', runKind: 'user_prompt', model: 'gpt-5', tokens: { input: 4000, output: 600, cacheRead: 1000, cacheCreation: 0 }, at: '2026-03-04T08:00:00Z' }),
      run('cp-1', 'r2', { agent: 'copilot-chat', runKind: 'tool_result', toolName: 'read_file', outcome: 'success', at: '2026-03-04T08:00:30Z' }),
      session('cp-1', { agent: 'copilot-chat', startedAt: '2026-03-04T08:00:00Z', endedAt: '2026-03-04T08:01:00Z', team: { name: 'web', source: 'token' },
        gitRefs: [{ type: 'branch', value: 'main', repo: 'acme/web', firstSeenAt: '2026-03-04T08:00:00Z' }] }),
    ]),
    e(ORG_A, 110, [
      run('cp-1', 'r3', { agent: 'copilot-chat', runKind: 'user_prompt', model: 'gpt-5', tokens: { input: 100, output: 50, cacheRead: 0, cacheCreation: 0 }, at: '2026-03-04T09:00:00Z' }),
      session('cp-1', { agent: 'copilot-chat', startedAt: '2026-03-04T09:00:00Z', endedAt: '2026-03-04T09:02:00Z', team: { name: 'mobile', source: 'resource' },
        gitRefs: [{ type: 'branch', value: 'main', repo: 'acme/web', firstSeenAt: '2026-03-04T07:59:00Z' }] }),
    ]),
    // No model in its runs or points: the smallest the session facts name.
    e(ORG_A, 112, [run('cc-4', 'r1', { runKind: 'tool_decision', outcome: 'accepted' }), session('cc-4', { model: 'model-b' })]),
    e(ORG_A, 113, [run('cc-4', 'r2', { runKind: 'tool_decision', outcome: 'accepted', at: '2026-03-02T10:01:00Z' }), session('cc-4', { model: 'model-a' })]),
    // The same session id in another org: rows of their own.
    e(ORG_B, 111, [
      run('cc-1', 'r1', { model: opus, tokens: { input: 10, output: 10, cacheRead: 0, cacheCreation: 0 } }),
      session('cc-1', { model: opus, person: { key: 'other@example.com', source: 'user.email' }, startedAt: '2026-03-01T00:00:00Z', endedAt: '2026-03-01T00:00:00Z' }),
    ]),
  ];
}

/** The agent facts of some of the generator's OTLP deliveries (Claude Code and Codex logs), normalized as the pipeline does. */
function generatedEvents(count: number): EventFacts[] {
  const events: EventFacts[] = [];
  let id = 1_000;
  // The demo org's teams take up agents over its 26 weeks: ending in May, it has ~180 OTLP deliveries.
  for (const generated of generateEvents({ seed: 5, scale: 'demo', now: new Date('2026-05-04T00:00:00Z') })) {
    if (generated.source !== 'otlp') continue;
    const row = rawEventRowOf(generated, { github: '6f0c6f7e-5b7a-4d0e-9b1e-1a2b3c4d5e6f', linear: '7a1d2e3f-4b5c-4d6e-8f70-8192a3b4c5d6' }, {});
    const rawEventId = String(++id);
    const event = { id: rawEventId, orgId: ORG_A, source: row.source, eventType: row.eventType, action: row.action, body: row.body, receivedAt: row.receivedAt, meta: row.meta, contentType: row.contentType };
    const result = NORMALIZERS[row.source](event, JSON.parse(row.body.toString('utf8')));
    if ('facts' in result) events.push({ orgId: ORG_A, rawEventId, facts: result.facts });
    if (events.length >= count) break;
  }
  return events;
}

/** The same events again: some redelivered as new raw events (higher ids), some replayed as the same raw event. */
function withDuplicates(events: EventFacts[], seed: number): EventFacts[] {
  const again = shuffled(events, seed).slice(0, Math.ceil(events.length / 3));
  const redelivered = again.slice(0, Math.ceil(again.length / 2)).map((e) => ({ ...e, rawEventId: String(Number(e.rawEventId) + 1_000_000) }));
  const replayed = again.slice(Math.ceil(again.length / 2));
  return shuffled([...events, ...redelivered, ...replayed], seed + 1);
}

describe('agent telemetry projection: set-based writes what fact by fact writes', () => {
  let ds: DataSource;
  let close: () => Promise<void>;
  let statements = 0;
  const sql = (text: string, params: unknown[]) => {
    statements++;
    return ds.query(text, params);
  };

  beforeAll(async () => {
    ({ dataSource: ds, close } = await openTestDataSource());
  });
  afterAll(() => close());

  async function snapshot(): Promise<Snapshot> {
    const out = {} as Snapshot;
    for (const table of AGENT_TABLES) out[table] = (await ds.query(`SELECT * FROM ${table}`)).map((r: unknown) => JSON.stringify(r)).sort();
    return out;
  }

  async function reset(): Promise<void> {
    await ds.query(`TRUNCATE ${AGENT_TABLES.join(', ')}`);
    statements = 0;
  }

  /** The per-fact path, as the pipeline's per-event fallback runs it. */
  async function oneByOne(events: EventFacts[]): Promise<Snapshot> {
    await reset();
    for (const e of events) await projectFacts(sql, { ...SETTINGS, orgId: e.orgId, rawEventId: e.rawEventId }, e.facts);
    return snapshot();
  }

  /** The set-based path, in batches of `size` events. */
  async function setBased(events: EventFacts[], size = events.length): Promise<Snapshot> {
    await reset();
    for (let i = 0; i < events.length; i += size) await projectEvents(sql, SETTINGS, events.slice(i, i + size));
    return snapshot();
  }

  it('hand-made events: the same rows in any order, with duplicates, in one batch or several', async () => {
    const events = handMadeEvents();
    const expected = await oneByOne(events);
    const oneByOneStatements = statements;

    // The merges give what was worked out by hand.
    const sessions = expected.agent_sessions.map((r) => JSON.parse(r) as Record<string, unknown>);
    const cc1 = sessions.find((s) => s.org_id === ORG_A && s.session_id === 'cc-1')!;
    expect(cc1).toMatchObject({
      person_key: 'ann@example.com', person_source: 'user.email', team: 'payments', team_source: 'resource', model: 'claude-sonnet-4-5', runs: 2, prompts: 1, tool_accepted: 1, tool_rejected: 1,
      errors: 1, input_tokens: '2100', raw_event_id: '101', started_at: '2026-03-02T10:00:00.000Z', ended_at: '2026-03-02T10:07:00.000Z', cost_source: 'computed',
    });
    const cc2 = sessions.find((s) => s.session_id === 'cc-2')!;
    // 100 + 150 + 40 (reset) + 50 + 130 (new start time); cost 0.1 + 0.2 + 0.3.
    expect(cc2).toMatchObject({ input_tokens: '470', output_tokens: '70', cost_usd: '0.600000', cost_source: 'reported', lines_added: '120', lines_removed: '7', commits: 2, model: 'mystery-model' });
    expect(sessions.find((s) => s.session_id === 'cc-4')).toMatchObject({ model: 'model-a', tool_accepted: 2 });
    expect(sessions.find((s) => s.session_id === 'cc-3')).toMatchObject({ cost_source: 'computed', input_tokens: '5000' });
    expect(sessions.find((s) => s.session_id === 'cx-1')).toMatchObject({ cost_source: 'unknown', cost_usd: null, runs: 3 });
    expect(sessions.find((s) => s.session_id === 'cp-1')).toMatchObject({ prompts: 2, input_tokens: '4100', cost_source: 'computed', team: 'mobile', started_at: '2026-03-04T08:00:00.000Z' });
    expect(expected.agent_session_git_refs.map((r) => JSON.parse(r)).find((r: Record<string, unknown>) => r.ref_value === SHA_1)).toMatchObject({ first_seen_at: '2026-03-02T09:59:00.000Z', raw_event_id: '102' });
    expect(expected.agent_runs.map((r) => JSON.parse(r)).find((r: Record<string, unknown>) => r.org_id === ORG_A && r.run_key === 'r1')).toMatchObject({ raw_event_id: '101' });

    expect(await setBased(events)).toEqual(expected);
    expect(statements).toBeLessThan(oneByOneStatements / 4);
    for (const seed of [1, 2, 3]) {
      const order = shuffled(events, seed);
      expect(await oneByOne(order)).toEqual(expected);
      expect(await setBased(order)).toEqual(expected);
      const duplicated = withDuplicates(events, seed);
      expect(await oneByOne(duplicated)).toEqual(expected);
      expect(await setBased(duplicated)).toEqual(expected);
      expect(await setBased(duplicated, 3)).toEqual(expected);
    }
  });

  it('settles ties as the per-fact path does when processed in the same order', async () => {
    // Two sources of the same rank and the same key (a source the normalizer does not write): the first stays.
    const tie = (rawEventId: string, source: string, team: string | null): EventFacts => ({
      orgId: ORG_A, rawEventId, facts: [session('tie', { person: { key: 'same', source: source as 'user.id' }, team: team ? { name: team, source: 'token' } : null })],
    });
    const events = [tie('1', 'user.id', null), tie('2', 'custom', 'b'), tie('3', 'other', 'a'), tie('4', 'user.id', 'c')];
    for (const order of [events, [...events].reverse(), shuffled(events, 5)]) {
      const expected = await oneByOne(order);
      expect(await setBased(order)).toEqual(expected);
      expect(await setBased(order, 2)).toEqual(expected);
    }
  });

  it("the generator's OTLP deliveries: the same rows in shuffled orders, with duplicates, in batches", async () => {
    const events = generatedEvents(150);
    const facts = events.reduce((n, e) => n + e.facts.length, 0);
    expect(facts).toBeGreaterThan(1_000);
    const expected = await oneByOne(events);
    expect(expected.agent_sessions.length).toBeGreaterThan(20);
    expect(expected.agent_runs.length).toBeGreaterThan(500);

    expect(await setBased(events)).toEqual(expected);
    // A few statements per table and chunk, not one per fact.
    expect(statements).toBeLessThanOrEqual(12);
    for (const seed of [7, 8]) {
      const duplicated = withDuplicates(events, seed);
      expect(await setBased(duplicated)).toEqual(expected);
      expect(await setBased(duplicated, 40)).toEqual(expected);
    }
    expect(await oneByOne(withDuplicates(events, 9))).toEqual(expected);
    // Some 10,000 statements fact by fact: slow on a busy machine.
  }, 180_000);

  it('fails the whole batch statement on a value the database refuses, and the per-fact path fails that event alone', async () => {
    const good = handMadeEvents();
    const poison: EventFacts = { orgId: ORG_A, rawEventId: '999', facts: [run('bad', 'r1', { tokens: { input: 1.5, output: 0, cacheRead: 0, cacheCreation: 0 } }), session('bad', {})] };
    const expected = await setBased(good);
    await reset();
    // As the pipeline does it: the batch in a savepoint, then event by event, each in its own savepoint.
    const runner = ds.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const inTransaction = (text: string, params: unknown[]) => runner.query(text, params);
      await runner.query('SAVEPOINT batch');
      await expect(projectEvents(inTransaction, SETTINGS, [...good, poison])).rejects.toThrow(/bigint/);
      await runner.query('ROLLBACK TO SAVEPOINT batch');
      const failed: string[] = [];
      for (const e of [...good, poison]) {
        await runner.query('SAVEPOINT event');
        try {
          await projectFacts(inTransaction, { ...SETTINGS, orgId: e.orgId, rawEventId: e.rawEventId }, e.facts);
          await runner.query('RELEASE SAVEPOINT event');
        } catch {
          await runner.query('ROLLBACK TO SAVEPOINT event');
          failed.push(e.rawEventId);
        }
      }
      await runner.commitTransaction();
      expect(failed).toEqual(['999']);
    } finally {
      await runner.release();
    }
    expect(await snapshot()).toEqual(expected);
  });
});
