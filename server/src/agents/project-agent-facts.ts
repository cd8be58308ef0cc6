import type { AgentMetricPointFact, AgentRunFact, AgentSessionFact } from '../pipeline/normalize/facts';
import { costOf, DEFAULT_PRICE_TABLE, priceOf, type PriceTable } from './pricing/prices';

/** Runs one parameterized statement in the pipeline's transaction (the projection's `Sql`). */
type Sql = (text: string, params: unknown[]) => Promise<unknown>;

/** A run or point already stored keeps its columns; its lineage becomes the first raw event that reported it. */
const RUN_MERGE = `ON CONFLICT (org_id, agent, session_id, run_key) DO UPDATE SET raw_event_id = LEAST(agent_runs.raw_event_id, EXCLUDED.raw_event_id)`;
const POINT_MERGE = `ON CONFLICT (org_id, agent, session_id, point_key) DO UPDATE SET raw_event_id = LEAST(agent_metric_points.raw_event_id, EXCLUDED.raw_event_id)`;

/**
 * Agent facts into agent_runs, agent_metric_points and agent_sessions, one fact at a time. Runs and points are keyed
 * by a hash of the record: a replay upserts the same row (keeping the first raw event as lineage). A session's totals
 * are then recomputed from all its runs and points, so they never depend on the order deliveries are processed in.
 * The pipeline projects whole batches with projectAgentFactsSetBased (below) and uses these, event by event, only
 * when a batch statement fails; both write the same rows.
 */
export async function projectAgentRun(sql: Sql, orgId: string, rawEventId: string, fact: AgentRunFact, prices: PriceTable = DEFAULT_PRICE_TABLE): Promise<void> {
  const cost = runCost(fact, prices);
  await sql(
    `INSERT INTO agent_runs (org_id, agent, session_id, run_key, kind, at, model, prompt_id, input_tokens, output_tokens, cache_read_tokens,
                             cache_creation_tokens, cost_usd, cost_source, tool_name, outcome, error, duration_ms, raw_event_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
     ${RUN_MERGE}`,
    [orgId, fact.agent, fact.sessionId, fact.runKey, fact.runKind, fact.at, fact.model, fact.promptId, fact.tokens.input, fact.tokens.output,
     fact.tokens.cacheRead, fact.tokens.cacheCreation, cost.usd, cost.source, fact.toolName,
     fact.outcome, fact.error, fact.durationMs, rawEventId],
  );
}

export type CostSource = 'reported' | 'computed' | 'unknown';

/**
 * The cost of a run: as the agent reported it; else, for a model request (or a turn that reports its token totals,
 * GenAI `invoke_agent`), computed from the price table, or unknown (null) when the table does not know the model.
 * Other runs (tool decisions, prompts without tokens) have no cost.
 */
export function runCost(fact: AgentRunFact, prices: PriceTable): { usd: string | null; source: CostSource | null } {
  if (fact.costUsd !== null) return { usd: String(fact.costUsd), source: 'reported' };
  const t = fact.tokens;
  const usage = fact.runKind === 'api_request' || (fact.runKind === 'user_prompt' && t.input + t.output + t.cacheRead + t.cacheCreation > 0);
  if (!usage) return { usd: null, source: null };
  const price = priceOf(prices, fact.model);
  return price ? { usd: costOf(t, price), source: 'computed' } : { usd: null, source: 'unknown' };
}

export async function projectAgentMetricPoint(sql: Sql, orgId: string, rawEventId: string, fact: AgentMetricPointFact): Promise<void> {
  await sql(
    `INSERT INTO agent_metric_points (org_id, agent, session_id, point_key, metric, type, model, temporality, series_key, start_at, at, value, raw_event_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ${POINT_MERGE}`,
    [orgId, fact.agent, fact.sessionId, fact.pointKey, fact.metric, fact.type, fact.model, fact.temporality, fact.seriesKey, fact.startAt, fact.at, fact.value, rawEventId],
  );
}

/** Person: user.email first, then the account ids; team: the resource attribute before the token's team. Ties: the smaller value. */
const PERSON_RANK = `CASE %s WHEN 'user.email' THEN 0 WHEN 'user.account_uuid' THEN 1 WHEN 'user.account_id' THEN 2 ELSE 3 END`;
const TEAM_RANK = `CASE %s WHEN 'resource' THEN 0 ELSE 1 END`;

function better(rank: string, table: string, key: string, source: string): string {
  const r = (expr: string) => rank.replace('%s', expr);
  return `EXCLUDED.${key} IS NOT NULL AND (${table}.${key} IS NULL OR (${r(`EXCLUDED.${source}`)}, EXCLUDED.${key}) < (${r(`${table}.${source}`)}, ${table}.${key}))`;
}

export async function projectAgentSession(sql: Sql, orgId: string, rawEventId: string, fact: AgentSessionFact, prices: PriceTable = DEFAULT_PRICE_TABLE): Promise<void> {
  await sql(
    `INSERT INTO agent_sessions (org_id, agent, session_id, person_key, person_source, team, team_source, model, started_at, ended_at, raw_event_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ${SESSION_MERGE}`,
    [orgId, fact.agent, fact.sessionId, fact.person?.key ?? null, fact.person?.source ?? null, fact.team?.name ?? null, fact.team?.source ?? null,
     fact.model, fact.startedAt, fact.endedAt, rawEventId],
  );
  const refs = fact.gitRefs ?? [];
  if (refs.length > 0) {
    // One statement for all the refs of the fact (a session reports a handful); the first sighting wins.
    await sql(
      `INSERT INTO agent_session_git_refs (org_id, agent, session_id, ref_type, ref_value, repo, first_seen_at, raw_event_id)
       SELECT $1::uuid, $2::text, $3::text, t, v, r, f, $4::bigint FROM unnest($5::text[], $6::text[], $7::text[], $8::timestamptz[]) AS x(t, v, r, f)
       ${GIT_REF_MERGE}`,
      [orgId, fact.agent, fact.sessionId, rawEventId, refs.map((r) => r.type), refs.map((r) => r.value), refs.map((r) => r.repo ?? ''), refs.map((r) => r.firstSeenAt)],
    );
  }
  await recomputeSessionTotals(sql, [{ orgId, agent: fact.agent, sessionId: fact.sessionId }], prices);
}

/** How a session fact merges into its row: the better person and team, the smallest model, the widest span, the first raw event. */
const SESSION_MERGE = `ON CONFLICT (org_id, agent, session_id) DO UPDATE SET
       person_key = CASE WHEN ${better(PERSON_RANK, 'agent_sessions', 'person_key', 'person_source')} THEN EXCLUDED.person_key ELSE agent_sessions.person_key END,
       person_source = CASE WHEN ${better(PERSON_RANK, 'agent_sessions', 'person_key', 'person_source')} THEN EXCLUDED.person_source ELSE agent_sessions.person_source END,
       team = CASE WHEN ${better(TEAM_RANK, 'agent_sessions', 'team', 'team_source')} THEN EXCLUDED.team ELSE agent_sessions.team END,
       team_source = CASE WHEN ${better(TEAM_RANK, 'agent_sessions', 'team', 'team_source')} THEN EXCLUDED.team_source ELSE agent_sessions.team_source END,
       model = LEAST(agent_sessions.model, EXCLUDED.model),
       started_at = LEAST(agent_sessions.started_at, EXCLUDED.started_at),
       ended_at = GREATEST(agent_sessions.ended_at, EXCLUDED.ended_at),
       raw_event_id = LEAST(agent_sessions.raw_event_id, EXCLUDED.raw_event_id)`;

const GIT_REF_MERGE = `ON CONFLICT (org_id, agent, session_id, ref_type, ref_value, repo) DO UPDATE SET
         first_seen_at = LEAST(agent_session_git_refs.first_seen_at, EXCLUDED.first_seen_at),
         raw_event_id = LEAST(agent_session_git_refs.raw_event_id, EXCLUDED.raw_event_id)`;

/** The prices of the given models ($4 of the totals queries): models without a price are left out. */
function pointPricesOf(models: Array<{ model: string }>, prices: PriceTable): string {
  const known = models.flatMap(({ model }) => {
    const price = priceOf(prices, model);
    return price ? [{ model, input: price.input, output: price.output, cache_read: price.cacheRead, cache_write: price.cacheWrite }] : [];
  });
  return JSON.stringify(known);
}

/** The agent facts of a batch, each with its raw event. */
export interface AgentFactOf<F> {
  orgId: string;
  rawEventId: string;
  fact: F;
}

/** At most this many rows per statement (DESIGN §6). */
const CHUNK_ROWS = 1_000;

/**
 * The agent facts of a whole batch, set-based: a few statements per table and 1,000 rows, instead of one per fact
 * and three or four per session fact. Writes the same rows as projecting them one by one in the batch's order
 * (projectAgentRun, projectAgentMetricPoint, projectAgentSession: the pipeline's per-event fallback; compared in
 * test/integration/agent-projection.test.ts):
 *
 * - Runs and points: one row per key; the first fact of a key gives the columns (as the first insert does, later
 *   ones only lower the lineage), the smallest raw event id the lineage. Collapsed here, so a statement never
 *   touches a row twice; ON CONFLICT keeps what an earlier batch wrote, with the smaller lineage.
 * - Sessions: the facts of a key are merged in SQL with the same rules as SESSION_MERGE (the person and team of
 *   the smallest (rank, key), the first of equals; the smallest model; the earliest start, the latest end; the
 *   smallest lineage), then merged into the row by SESSION_MERGE itself. Each merge is associative, so merging a
 *   chunk first and then the stored row gives what merging fact after fact gives.
 * - Git refs: per key the earliest sighting and the smallest lineage (both LEAST in GIT_REF_MERGE).
 * - Totals: once per session of the batch, after all its runs and points are written (RECOMPUTE_SESSIONS_SQL). The per-fact path recomputes after each session fact; the OTLP normalizer
 *   puts a session fact after the runs and points of every session in each event, so its last recompute sees the
 *   same runs and points.
 */
export async function projectAgentFactsSetBased(
  sql: Sql,
  items: ReadonlyArray<AgentFactOf<AgentRunFact | AgentMetricPointFact | AgentSessionFact>>,
  prices: PriceTable = DEFAULT_PRICE_TABLE,
): Promise<void> {
  const runs = new Map<string, AgentFactOf<AgentRunFact>>();
  const points = new Map<string, AgentFactOf<AgentMetricPointFact>>();
  const sessions: Array<AgentFactOf<AgentSessionFact>> = [];
  for (const item of items) {
    const { fact } = item;
    if (fact.kind === 'agent_run') firstOfKey(runs, key(item.orgId, fact.agent, fact.sessionId, fact.runKey), item as AgentFactOf<AgentRunFact>);
    else if (fact.kind === 'agent_metric_point') firstOfKey(points, key(item.orgId, fact.agent, fact.sessionId, fact.pointKey), item as AgentFactOf<AgentMetricPointFact>);
    else sessions.push(item as AgentFactOf<AgentSessionFact>);
  }
  for (const chunk of chunks([...runs.values()])) {
    const cost = chunk.map(({ fact }) => runCost(fact, prices));
    await sql(RUNS_SQL, [
      chunk.map((r) => r.orgId), chunk.map((r) => r.fact.agent), chunk.map((r) => r.fact.sessionId), chunk.map((r) => r.fact.runKey), chunk.map((r) => r.fact.runKind),
      chunk.map((r) => r.fact.at), chunk.map((r) => r.fact.model), chunk.map((r) => r.fact.promptId), chunk.map((r) => r.fact.tokens.input), chunk.map((r) => r.fact.tokens.output),
      chunk.map((r) => r.fact.tokens.cacheRead), chunk.map((r) => r.fact.tokens.cacheCreation), cost.map((c) => c.usd), cost.map((c) => c.source), chunk.map((r) => r.fact.toolName),
      chunk.map((r) => r.fact.outcome), chunk.map((r) => r.fact.error), chunk.map((r) => r.fact.durationMs), chunk.map((r) => r.rawEventId),
    ]);
  }
  for (const chunk of chunks([...points.values()])) {
    await sql(POINTS_SQL, [
      chunk.map((p) => p.orgId), chunk.map((p) => p.fact.agent), chunk.map((p) => p.fact.sessionId), chunk.map((p) => p.fact.pointKey), chunk.map((p) => p.fact.metric),
      chunk.map((p) => p.fact.type), chunk.map((p) => p.fact.model), chunk.map((p) => p.fact.temporality), chunk.map((p) => p.fact.seriesKey), chunk.map((p) => p.fact.startAt),
      chunk.map((p) => p.fact.at), chunk.map((p) => p.fact.value), chunk.map((p) => p.rawEventId),
    ]);
  }
  if (sessions.length === 0) return;
  // In batch order: the merge keeps the first of equal candidates, as fact after fact would.
  for (const chunk of chunks(sessions)) {
    await sql(SESSIONS_SQL, [
      chunk.map((s) => s.orgId), chunk.map((s) => s.fact.agent), chunk.map((s) => s.fact.sessionId), chunk.map((s) => s.fact.person?.key ?? null),
      chunk.map((s) => s.fact.person?.source ?? null), chunk.map((s) => s.fact.team?.name ?? null), chunk.map((s) => s.fact.team?.source ?? null), chunk.map((s) => s.fact.model),
      chunk.map((s) => s.fact.startedAt), chunk.map((s) => s.fact.endedAt), chunk.map((s) => s.rawEventId),
    ]);
  }
  const refs = sessions.flatMap((s) => (s.fact.gitRefs ?? []).map((ref) => ({ session: s, ref })));
  for (const chunk of chunks(refs)) {
    await sql(GIT_REFS_SQL, [
      chunk.map((r) => r.session.orgId), chunk.map((r) => r.session.fact.agent), chunk.map((r) => r.session.fact.sessionId), chunk.map((r) => r.ref.type),
      chunk.map((r) => r.ref.value), chunk.map((r) => r.ref.repo ?? ''), chunk.map((r) => r.ref.firstSeenAt), chunk.map((r) => r.session.rawEventId),
    ]);
  }
  const keys = new Map<string, SessionKey>();
  for (const { orgId, fact } of sessions) keys.set(key(orgId, fact.agent, fact.sessionId), { orgId, agent: fact.agent, sessionId: fact.sessionId });
  await recomputeSessionTotals(sql, [...keys.values()], prices);
}

interface SessionKey {
  orgId: string;
  agent: string;
  sessionId: string;
}

/** The totals of these sessions from their runs and metric points (RECOMPUTE_SESSIONS_SQL), 1,000 sessions per statement. */
async function recomputeSessionTotals(sql: Sql, sessions: SessionKey[], prices: PriceTable): Promise<void> {
  for (const chunk of chunks(sessions)) {
    const params = [chunk.map((k) => k.orgId), chunk.map((k) => k.agent), chunk.map((k) => k.sessionId)];
    // Prices of the models the sessions' token metrics name, for a session whose cost comes from its metrics.
    const models = (await sql(
      `SELECT DISTINCT p.model FROM unnest($1::uuid[], $2::text[], $3::text[]) AS k(org_id, agent, session_id)
       JOIN agent_metric_points p ON p.org_id = k.org_id AND p.agent = k.agent AND p.session_id = k.session_id
       WHERE p.metric = 'tokens' AND p.model IS NOT NULL`,
      params,
    )) as Array<{ model: string }>;
    await sql(RECOMPUTE_SESSIONS_SQL, [...params, pointPricesOf(models, prices)]);
  }
}

const key = (...parts: string[]) => parts.join('\u0000');

/** Keeps the first fact of a key, with the smallest raw event id of all its facts as lineage. */
function firstOfKey<F>(byKey: Map<string, AgentFactOf<F>>, k: string, item: AgentFactOf<F>): void {
  const first = byKey.get(k);
  if (!first) byKey.set(k, { ...item });
  else if (BigInt(item.rawEventId) < BigInt(first.rawEventId)) first.rawEventId = item.rawEventId;
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK_ROWS) out.push(items.slice(i, i + CHUNK_ROWS));
  return out;
}

const RUNS_SQL = `
INSERT INTO agent_runs (org_id, agent, session_id, run_key, kind, at, model, prompt_id, input_tokens, output_tokens, cache_read_tokens,
                        cache_creation_tokens, cost_usd, cost_source, tool_name, outcome, error, duration_ms, raw_event_id)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[],
                     $12::bigint[], $13::numeric[], $14::text[], $15::text[], $16::text[], $17::text[], $18::float8[], $19::bigint[])
${RUN_MERGE}`;

const POINTS_SQL = `
INSERT INTO agent_metric_points (org_id, agent, session_id, point_key, metric, type, model, temporality, series_key, start_at, at, value, raw_event_id)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[],
                     $12::float8[], $13::bigint[])
${POINT_MERGE}`;

/** The ORDER BY that puts a session's best person (or team) first: a key before none, then by rank and key, then the first fact. */
function bestFirst(rank: string, keyColumn: string, sourceColumn: string): string {
  return `${keyColumn} IS NULL, CASE WHEN ${keyColumn} IS NOT NULL THEN ${rank.replace('%s', sourceColumn)} END, ${keyColumn}, ord`;
}

/**
 * A chunk of session facts merged per session, then into the stored row. The person (team) is that of the first fact
 * with the smallest (rank, key), or of the first fact when none names one: what inserting the first fact and
 * merging the others one by one with SESSION_MERGE leaves.
 */
const SESSIONS_SQL = `
WITH v AS (
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[], $11::bigint[])
    WITH ORDINALITY AS v(org_id, agent, session_id, person_key, person_source, team, team_source, model, started_at, ended_at, raw_event_id, ord)
), person AS (
  SELECT DISTINCT ON (org_id, agent, session_id) org_id, agent, session_id, person_key, person_source
  FROM v ORDER BY org_id, agent, session_id, ${bestFirst(PERSON_RANK, 'person_key', 'person_source')}
), team AS (
  SELECT DISTINCT ON (org_id, agent, session_id) org_id, agent, session_id, team, team_source
  FROM v ORDER BY org_id, agent, session_id, ${bestFirst(TEAM_RANK, 'team', 'team_source')}
), merged AS (
  SELECT org_id, agent, session_id, min(model) AS model, min(started_at) AS started_at, max(ended_at) AS ended_at, min(raw_event_id) AS raw_event_id
  FROM v GROUP BY org_id, agent, session_id
)
INSERT INTO agent_sessions (org_id, agent, session_id, person_key, person_source, team, team_source, model, started_at, ended_at, raw_event_id)
SELECT m.org_id, m.agent, m.session_id, p.person_key, p.person_source, t.team, t.team_source, m.model, m.started_at, m.ended_at, m.raw_event_id
FROM merged m
JOIN person p ON p.org_id = m.org_id AND p.agent = m.agent AND p.session_id = m.session_id
JOIN team t ON t.org_id = m.org_id AND t.agent = m.agent AND t.session_id = m.session_id
${SESSION_MERGE}`;

const GIT_REFS_SQL = `
INSERT INTO agent_session_git_refs (org_id, agent, session_id, ref_type, ref_value, repo, first_seen_at, raw_event_id)
SELECT org_id, agent, session_id, ref_type, ref_value, repo, min(first_seen_at), min(raw_event_id)
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::bigint[])
  AS v(org_id, agent, session_id, ref_type, ref_value, repo, first_seen_at, raw_event_id)
GROUP BY org_id, agent, session_id, ref_type, ref_value, repo
${GIT_REF_MERGE}`;

/**
 * A session's totals from its runs and metric points.
 *
 * - Tokens and cost come from one place, never added together (they describe the same usage): the model requests
 *   when the session has any (exact, per request); else the token and cost metrics; else the turn totals a GenAI
 *   agent reports on its `invoke_agent` spans.
 * - Cost source: `reported` when every priced request was reported by the agent, `computed` when any was computed
 *   from the price table, `unknown` (cost null) when a request's model is not in the price table and no cost
 *   metric covers the session. From metrics: the cost metric (`reported`), else the token metrics priced by their
 *   model ($4: the prices of the session's models; a token count of a model without a price makes it `unknown`).
 * - Metric points: a delta point counts its value; a cumulative point counts its increase over the previous point
 *   of the same series and start time, and a point lower than the previous one (a reset without a new start
 *   time) counts whole, as does the first point of a series or of a new start time (a restarted exporter).
 * - Model: the one of most requests (ties: the smaller name), else of most metric points, else the one reported.
 *
 * For many sessions at once ($1, $2, $3: org ids, agents and session ids; $4: the prices of their token metrics'
 * models): a session without runs or points gets zero counts and nulls.
 */
export const RECOMPUTE_SESSIONS_SQL = `
WITH k AS (
  SELECT DISTINCT org_id, agent, session_id FROM unnest($1::uuid[], $2::text[], $3::text[]) AS k(org_id, agent, session_id)
), r AS (
  SELECT k.org_id, k.agent, k.session_id,
         count(*) FILTER (WHERE a.kind = 'api_request') AS requests,
         count(*) FILTER (WHERE a.kind = 'user_prompt') AS prompts,
         count(*) FILTER (WHERE a.kind = 'tool_decision' AND a.outcome = 'accepted') AS accepted,
         count(*) FILTER (WHERE a.kind = 'tool_decision' AND a.outcome = 'rejected') AS rejected,
         count(*) FILTER (WHERE a.kind = 'api_error') AS errors,
         COALESCE(sum(a.input_tokens) FILTER (WHERE a.kind = 'api_request'), 0) AS input,
         COALESCE(sum(a.output_tokens) FILTER (WHERE a.kind = 'api_request'), 0) AS output,
         COALESCE(sum(a.cache_read_tokens) FILTER (WHERE a.kind = 'api_request'), 0) AS cache_read,
         COALESCE(sum(a.cache_creation_tokens) FILTER (WHERE a.kind = 'api_request'), 0) AS cache_creation,
         sum(a.cost_usd) FILTER (WHERE a.kind = 'api_request') AS cost,
         count(*) FILTER (WHERE a.kind = 'api_request' AND a.cost_source = 'unknown') AS unknown_costs,
         count(*) FILTER (WHERE a.kind = 'api_request' AND a.cost_source = 'computed') AS computed_costs,
         count(*) FILTER (WHERE a.kind = 'user_prompt' AND a.cost_source IS NOT NULL) AS turns_with_usage,
         COALESCE(sum(a.input_tokens) FILTER (WHERE a.kind = 'user_prompt'), 0) AS turn_input,
         COALESCE(sum(a.output_tokens) FILTER (WHERE a.kind = 'user_prompt'), 0) AS turn_output,
         COALESCE(sum(a.cache_read_tokens) FILTER (WHERE a.kind = 'user_prompt'), 0) AS turn_cache_read,
         COALESCE(sum(a.cache_creation_tokens) FILTER (WHERE a.kind = 'user_prompt'), 0) AS turn_cache_creation,
         sum(a.cost_usd) FILTER (WHERE a.kind = 'user_prompt') AS turn_cost,
         count(*) FILTER (WHERE a.kind = 'user_prompt' AND a.cost_source = 'unknown') AS turn_unknown,
         count(*) FILTER (WHERE a.kind = 'user_prompt' AND a.cost_source = 'computed') AS turn_computed,
         min(a.at) AS first_at, max(a.at) AS last_at
  FROM k LEFT JOIN agent_runs a ON a.org_id = k.org_id AND a.agent = k.agent AND a.session_id = k.session_id
  GROUP BY k.org_id, k.agent, k.session_id
), ordered AS (
  SELECT pt.org_id, pt.agent, pt.session_id, pt.metric, pt.type, pt.model, pt.at, pt.temporality, pt.value,
         lag(pt.value) OVER (PARTITION BY pt.org_id, pt.agent, pt.session_id, pt.series_key, pt.start_at ORDER BY pt.at, pt.point_key) AS previous
  FROM k JOIN agent_metric_points pt ON pt.org_id = k.org_id AND pt.agent = k.agent AND pt.session_id = k.session_id
), amounts AS (
  SELECT org_id, agent, session_id, metric, type, model, at,
         CASE WHEN temporality = 'delta' OR previous IS NULL OR value < previous THEN value ELSE value - previous END AS amount
  FROM ordered
), p AS (
  SELECT k.org_id, k.agent, k.session_id,
         count(*) FILTER (WHERE a.metric IN ('tokens', 'cost')) AS usage_points,
         sum(a.amount) FILTER (WHERE a.metric = 'tokens' AND a.type = 'input') AS input,
         sum(a.amount) FILTER (WHERE a.metric = 'tokens' AND a.type = 'output') AS output,
         sum(a.amount) FILTER (WHERE a.metric = 'tokens' AND a.type = 'cacheRead') AS cache_read,
         sum(a.amount) FILTER (WHERE a.metric = 'tokens' AND a.type = 'cacheCreation') AS cache_creation,
         round(sum(a.amount) FILTER (WHERE a.metric = 'cost')::numeric, 6) AS cost,
         sum(a.amount) FILTER (WHERE a.metric = 'lines' AND a.type = 'added') AS lines_added,
         sum(a.amount) FILTER (WHERE a.metric = 'lines' AND a.type = 'removed') AS lines_removed,
         sum(a.amount) FILTER (WHERE a.metric = 'commits') AS commits,
         sum(a.amount) FILTER (WHERE a.metric = 'pull_requests') AS pull_requests,
         min(a.at) AS first_at, max(a.at) AS last_at
  FROM k LEFT JOIN amounts a ON a.org_id = k.org_id AND a.agent = k.agent AND a.session_id = k.session_id
  GROUP BY k.org_id, k.agent, k.session_id
), pc AS (
  SELECT k.org_id, k.agent, k.session_id,
         count(a.metric) AS token_points,
         count(*) FILTER (WHERE a.metric IS NOT NULL AND price.model IS NULL AND a.amount <> 0) AS unpriced,
         round(sum(a.amount::numeric * CASE a.type WHEN 'input' THEN price.input WHEN 'output' THEN price.output
                                                   WHEN 'cacheRead' THEN price.cache_read WHEN 'cacheCreation' THEN price.cache_write ELSE 0 END) / 1000000, 9) AS cost
  FROM k
  LEFT JOIN (amounts a LEFT JOIN jsonb_to_recordset($4::jsonb) AS price(model text, input numeric, output numeric, cache_read numeric, cache_write numeric) ON price.model = a.model)
    ON a.org_id = k.org_id AND a.agent = k.agent AND a.session_id = k.session_id AND a.metric = 'tokens'
  GROUP BY k.org_id, k.agent, k.session_id
), run_model AS (
  SELECT DISTINCT ON (org_id, agent, session_id) org_id, agent, session_id, model FROM (
    SELECT a.org_id, a.agent, a.session_id, a.model, count(*) FILTER (WHERE a.kind = 'api_request') AS requests, count(*) AS n
    FROM k JOIN agent_runs a ON a.org_id = k.org_id AND a.agent = k.agent AND a.session_id = k.session_id
    WHERE a.model IS NOT NULL GROUP BY a.org_id, a.agent, a.session_id, a.model
  ) x ORDER BY org_id, agent, session_id, requests DESC, n DESC, model
), point_model AS (
  SELECT DISTINCT ON (org_id, agent, session_id) org_id, agent, session_id, model FROM (
    SELECT pt.org_id, pt.agent, pt.session_id, pt.model, count(*) AS n
    FROM k JOIN agent_metric_points pt ON pt.org_id = k.org_id AND pt.agent = k.agent AND pt.session_id = k.session_id
    WHERE pt.model IS NOT NULL GROUP BY pt.org_id, pt.agent, pt.session_id, pt.model
  ) x ORDER BY org_id, agent, session_id, n DESC, model
), totals AS (
  SELECT k.org_id, k.agent, k.session_id, r.requests, r.prompts, r.accepted, r.rejected, r.errors, r.first_at, r.last_at,
         rm.model AS run_model, pm.model AS point_model,
         p.lines_added, p.lines_removed, p.commits, p.pull_requests, p.first_at AS points_first_at, p.last_at AS points_last_at,
         CASE u.usage_from WHEN 'requests' THEN r.input WHEN 'points' THEN COALESCE(round(p.input), 0) WHEN 'turns' THEN r.turn_input ELSE 0 END AS input_total,
         CASE u.usage_from WHEN 'requests' THEN r.output WHEN 'points' THEN COALESCE(round(p.output), 0) WHEN 'turns' THEN r.turn_output ELSE 0 END AS output_total,
         CASE u.usage_from WHEN 'requests' THEN r.cache_read WHEN 'points' THEN COALESCE(round(p.cache_read), 0) WHEN 'turns' THEN r.turn_cache_read ELSE 0 END AS cache_read_total,
         CASE u.usage_from WHEN 'requests' THEN r.cache_creation WHEN 'points' THEN COALESCE(round(p.cache_creation), 0) WHEN 'turns' THEN r.turn_cache_creation ELSE 0 END
           AS cache_creation_total,
         CASE u.usage_from
           WHEN 'requests' THEN CASE WHEN r.unknown_costs = 0 THEN r.cost ELSE p.cost END
           WHEN 'points' THEN COALESCE(p.cost, CASE WHEN pc.token_points > 0 AND pc.unpriced = 0 THEN pc.cost END)
           WHEN 'turns' THEN CASE WHEN r.turn_unknown = 0 THEN r.turn_cost END
         END AS cost_total,
         CASE u.usage_from
           WHEN 'requests' THEN CASE WHEN r.unknown_costs = 0 THEN CASE WHEN r.computed_costs > 0 THEN 'computed' ELSE 'reported' END
                                     WHEN p.cost IS NOT NULL THEN 'reported' ELSE 'unknown' END
           WHEN 'points' THEN CASE WHEN p.cost IS NOT NULL THEN 'reported' WHEN pc.token_points > 0 THEN CASE WHEN pc.unpriced = 0 THEN 'computed' ELSE 'unknown' END END
           WHEN 'turns' THEN CASE WHEN r.turn_unknown > 0 THEN 'unknown' WHEN r.turn_computed > 0 THEN 'computed' ELSE 'reported' END
         END AS cost_source_total
  FROM k
  JOIN r ON r.org_id = k.org_id AND r.agent = k.agent AND r.session_id = k.session_id
  JOIN p ON p.org_id = k.org_id AND p.agent = k.agent AND p.session_id = k.session_id
  JOIN pc ON pc.org_id = k.org_id AND pc.agent = k.agent AND pc.session_id = k.session_id
  LEFT JOIN run_model rm ON rm.org_id = k.org_id AND rm.agent = k.agent AND rm.session_id = k.session_id
  LEFT JOIN point_model pm ON pm.org_id = k.org_id AND pm.agent = k.agent AND pm.session_id = k.session_id
  CROSS JOIN LATERAL (
    SELECT CASE WHEN r.requests > 0 THEN 'requests' WHEN p.usage_points > 0 THEN 'points' WHEN r.turns_with_usage > 0 THEN 'turns' END AS usage_from
  ) u
)
UPDATE agent_sessions s SET
  input_tokens = t.input_total,
  output_tokens = t.output_total,
  cache_read_tokens = t.cache_read_total,
  cache_creation_tokens = t.cache_creation_total,
  cost_usd = t.cost_total,
  cost_source = t.cost_source_total,
  runs = t.requests,
  prompts = t.prompts,
  tool_accepted = t.accepted,
  tool_rejected = t.rejected,
  errors = t.errors,
  lines_added = COALESCE(round(t.lines_added), 0),
  lines_removed = COALESCE(round(t.lines_removed), 0),
  commits = COALESCE(round(t.commits), 0),
  pull_requests = COALESCE(round(t.pull_requests), 0),
  model = COALESCE(t.run_model, t.point_model, s.model),
  started_at = LEAST(s.started_at, t.first_at, t.points_first_at),
  ended_at = GREATEST(s.ended_at, t.last_at, t.points_last_at)
FROM totals t
WHERE s.org_id = t.org_id AND s.agent = t.agent AND s.session_id = t.session_id`;
