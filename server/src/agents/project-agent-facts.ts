import type { AgentMetricPointFact, AgentRunFact, AgentSessionFact } from '../pipeline/normalize/facts';
import { costOf, DEFAULT_PRICE_TABLE, priceOf, type PriceTable } from './pricing/prices';

/** Runs one parameterized statement in the pipeline's transaction (the projection's `Sql`). */
type Sql = (text: string, params: unknown[]) => Promise<unknown>;

/**
 * Agent facts into agent_runs, agent_metric_points and agent_sessions. Runs and points are keyed by a hash of the
 * record: a replay upserts the same row (keeping the first raw event as lineage). A session's totals are then
 * recomputed from all its runs and points, so they never depend on the order deliveries are processed in.
 */
export async function projectAgentRun(sql: Sql, orgId: string, rawEventId: string, fact: AgentRunFact, prices: PriceTable = DEFAULT_PRICE_TABLE): Promise<void> {
  const cost = runCost(fact, prices);
  await sql(
    `INSERT INTO agent_runs (org_id, agent, session_id, run_key, kind, at, model, prompt_id, input_tokens, output_tokens, cache_read_tokens,
                             cache_creation_tokens, cost_usd, cost_source, tool_name, outcome, error, duration_ms, raw_event_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
     ON CONFLICT (org_id, agent, session_id, run_key) DO UPDATE SET raw_event_id = LEAST(agent_runs.raw_event_id, EXCLUDED.raw_event_id)`,
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
     ON CONFLICT (org_id, agent, session_id, point_key) DO UPDATE SET raw_event_id = LEAST(agent_metric_points.raw_event_id, EXCLUDED.raw_event_id)`,
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
  const betterPerson = better(PERSON_RANK, 'agent_sessions', 'person_key', 'person_source');
  const betterTeam = better(TEAM_RANK, 'agent_sessions', 'team', 'team_source');
  await sql(
    `INSERT INTO agent_sessions (org_id, agent, session_id, person_key, person_source, team, team_source, model, started_at, ended_at, raw_event_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (org_id, agent, session_id) DO UPDATE SET
       person_key = CASE WHEN ${betterPerson} THEN EXCLUDED.person_key ELSE agent_sessions.person_key END,
       person_source = CASE WHEN ${betterPerson} THEN EXCLUDED.person_source ELSE agent_sessions.person_source END,
       team = CASE WHEN ${betterTeam} THEN EXCLUDED.team ELSE agent_sessions.team END,
       team_source = CASE WHEN ${betterTeam} THEN EXCLUDED.team_source ELSE agent_sessions.team_source END,
       model = LEAST(agent_sessions.model, EXCLUDED.model),
       started_at = LEAST(agent_sessions.started_at, EXCLUDED.started_at),
       ended_at = GREATEST(agent_sessions.ended_at, EXCLUDED.ended_at),
       raw_event_id = LEAST(agent_sessions.raw_event_id, EXCLUDED.raw_event_id)`,
    [orgId, fact.agent, fact.sessionId, fact.person?.key ?? null, fact.person?.source ?? null, fact.team?.name ?? null, fact.team?.source ?? null,
     fact.model, fact.startedAt, fact.endedAt, rawEventId],
  );
  const refs = fact.gitRefs ?? [];
  if (refs.length > 0) {
    // One statement for all the refs of the fact (a session reports a handful); the first sighting wins.
    await sql(
      `INSERT INTO agent_session_git_refs (org_id, agent, session_id, ref_type, ref_value, repo, first_seen_at, raw_event_id)
       SELECT $1::uuid, $2::text, $3::text, t, v, r, f, $4::bigint FROM unnest($5::text[], $6::text[], $7::text[], $8::timestamptz[]) AS x(t, v, r, f)
       ON CONFLICT (org_id, agent, session_id, ref_type, ref_value, repo) DO UPDATE SET
         first_seen_at = LEAST(agent_session_git_refs.first_seen_at, EXCLUDED.first_seen_at),
         raw_event_id = LEAST(agent_session_git_refs.raw_event_id, EXCLUDED.raw_event_id)`,
      [orgId, fact.agent, fact.sessionId, rawEventId, refs.map((r) => r.type), refs.map((r) => r.value), refs.map((r) => r.repo ?? ''), refs.map((r) => r.firstSeenAt)],
    );
  }
  // Prices of the models the session's token metrics name, for a session whose cost comes from its metrics.
  const models = (await sql(
    `SELECT DISTINCT model FROM agent_metric_points WHERE org_id = $1 AND agent = $2 AND session_id = $3 AND metric = 'tokens' AND model IS NOT NULL`,
    [orgId, fact.agent, fact.sessionId],
  )) as Array<{ model: string }>;
  const pointPrices = models.flatMap(({ model }) => {
    const price = priceOf(prices, model);
    return price ? [{ model, input: price.input, output: price.output, cache_read: price.cacheRead, cache_write: price.cacheWrite }] : [];
  });
  await sql(RECOMPUTE_SESSION_SQL, [orgId, fact.agent, fact.sessionId, JSON.stringify(pointPrices)]);
}

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
 */
export const RECOMPUTE_SESSION_SQL = `
WITH r AS (
  SELECT count(*) FILTER (WHERE kind = 'api_request') AS requests,
         count(*) FILTER (WHERE kind = 'user_prompt') AS prompts,
         count(*) FILTER (WHERE kind = 'tool_decision' AND outcome = 'accepted') AS accepted,
         count(*) FILTER (WHERE kind = 'tool_decision' AND outcome = 'rejected') AS rejected,
         count(*) FILTER (WHERE kind = 'api_error') AS errors,
         COALESCE(sum(input_tokens) FILTER (WHERE kind = 'api_request'), 0) AS input,
         COALESCE(sum(output_tokens) FILTER (WHERE kind = 'api_request'), 0) AS output,
         COALESCE(sum(cache_read_tokens) FILTER (WHERE kind = 'api_request'), 0) AS cache_read,
         COALESCE(sum(cache_creation_tokens) FILTER (WHERE kind = 'api_request'), 0) AS cache_creation,
         sum(cost_usd) FILTER (WHERE kind = 'api_request') AS cost,
         count(*) FILTER (WHERE kind = 'api_request' AND cost_source = 'unknown') AS unknown_costs,
         count(*) FILTER (WHERE kind = 'api_request' AND cost_source = 'computed') AS computed_costs,
         count(*) FILTER (WHERE kind = 'user_prompt' AND cost_source IS NOT NULL) AS turns_with_usage,
         COALESCE(sum(input_tokens) FILTER (WHERE kind = 'user_prompt'), 0) AS turn_input,
         COALESCE(sum(output_tokens) FILTER (WHERE kind = 'user_prompt'), 0) AS turn_output,
         COALESCE(sum(cache_read_tokens) FILTER (WHERE kind = 'user_prompt'), 0) AS turn_cache_read,
         COALESCE(sum(cache_creation_tokens) FILTER (WHERE kind = 'user_prompt'), 0) AS turn_cache_creation,
         sum(cost_usd) FILTER (WHERE kind = 'user_prompt') AS turn_cost,
         count(*) FILTER (WHERE kind = 'user_prompt' AND cost_source = 'unknown') AS turn_unknown,
         count(*) FILTER (WHERE kind = 'user_prompt' AND cost_source = 'computed') AS turn_computed,
         min(at) AS first_at, max(at) AS last_at
  FROM agent_runs WHERE org_id = $1 AND agent = $2 AND session_id = $3
), ordered AS (
  SELECT metric, type, model, at, temporality, value,
         lag(value) OVER (PARTITION BY series_key, start_at ORDER BY at, point_key) AS previous
  FROM agent_metric_points WHERE org_id = $1 AND agent = $2 AND session_id = $3
), amounts AS (
  SELECT metric, type, model, at,
         CASE WHEN temporality = 'delta' OR previous IS NULL OR value < previous THEN value ELSE value - previous END AS amount
  FROM ordered
), p AS (
  SELECT count(*) FILTER (WHERE metric IN ('tokens', 'cost')) AS usage_points,
         sum(amount) FILTER (WHERE metric = 'tokens' AND type = 'input') AS input,
         sum(amount) FILTER (WHERE metric = 'tokens' AND type = 'output') AS output,
         sum(amount) FILTER (WHERE metric = 'tokens' AND type = 'cacheRead') AS cache_read,
         sum(amount) FILTER (WHERE metric = 'tokens' AND type = 'cacheCreation') AS cache_creation,
         round(sum(amount) FILTER (WHERE metric = 'cost')::numeric, 6) AS cost,
         sum(amount) FILTER (WHERE metric = 'lines' AND type = 'added') AS lines_added,
         sum(amount) FILTER (WHERE metric = 'lines' AND type = 'removed') AS lines_removed,
         sum(amount) FILTER (WHERE metric = 'commits') AS commits,
         sum(amount) FILTER (WHERE metric = 'pull_requests') AS pull_requests,
         min(at) AS first_at, max(at) AS last_at
  FROM amounts
), pc AS (
  SELECT count(*) AS token_points,
         count(*) FILTER (WHERE price.model IS NULL AND a.amount <> 0) AS unpriced,
         round(sum(a.amount::numeric * CASE a.type WHEN 'input' THEN price.input WHEN 'output' THEN price.output
                                                   WHEN 'cacheRead' THEN price.cache_read WHEN 'cacheCreation' THEN price.cache_write ELSE 0 END) / 1000000, 9) AS cost
  FROM amounts a
  LEFT JOIN jsonb_to_recordset($4::jsonb) AS price(model text, input numeric, output numeric, cache_read numeric, cache_write numeric) ON price.model = a.model
  WHERE a.metric = 'tokens'
), m AS (
  SELECT (SELECT model FROM agent_runs WHERE org_id = $1 AND agent = $2 AND session_id = $3 AND model IS NOT NULL
          GROUP BY model ORDER BY count(*) FILTER (WHERE kind = 'api_request') DESC, count(*) DESC, model LIMIT 1) AS run_model,
         (SELECT model FROM agent_metric_points WHERE org_id = $1 AND agent = $2 AND session_id = $3 AND model IS NOT NULL
          GROUP BY model ORDER BY count(*) DESC, model LIMIT 1) AS point_model
), source AS (
  SELECT CASE WHEN r.requests > 0 THEN 'requests' WHEN p.usage_points > 0 THEN 'points' WHEN r.turns_with_usage > 0 THEN 'turns' END AS usage_from
  FROM r, p
), totals AS (
  SELECT r.*, m.*,
         p.lines_added, p.lines_removed, p.commits, p.pull_requests, p.first_at AS points_first_at, p.last_at AS points_last_at,
         CASE s.usage_from WHEN 'requests' THEN r.input WHEN 'points' THEN COALESCE(round(p.input), 0) WHEN 'turns' THEN r.turn_input ELSE 0 END AS input_total,
         CASE s.usage_from WHEN 'requests' THEN r.output WHEN 'points' THEN COALESCE(round(p.output), 0) WHEN 'turns' THEN r.turn_output ELSE 0 END AS output_total,
         CASE s.usage_from WHEN 'requests' THEN r.cache_read WHEN 'points' THEN COALESCE(round(p.cache_read), 0) WHEN 'turns' THEN r.turn_cache_read ELSE 0 END AS cache_read_total,
         CASE s.usage_from WHEN 'requests' THEN r.cache_creation WHEN 'points' THEN COALESCE(round(p.cache_creation), 0) WHEN 'turns' THEN r.turn_cache_creation ELSE 0 END
           AS cache_creation_total,
         CASE s.usage_from
           WHEN 'requests' THEN CASE WHEN r.unknown_costs = 0 THEN r.cost ELSE p.cost END
           WHEN 'points' THEN COALESCE(p.cost, CASE WHEN pc.token_points > 0 AND pc.unpriced = 0 THEN pc.cost END)
           WHEN 'turns' THEN CASE WHEN r.turn_unknown = 0 THEN r.turn_cost END
         END AS cost_total,
         CASE s.usage_from
           WHEN 'requests' THEN CASE WHEN r.unknown_costs = 0 THEN CASE WHEN r.computed_costs > 0 THEN 'computed' ELSE 'reported' END
                                     WHEN p.cost IS NOT NULL THEN 'reported' ELSE 'unknown' END
           WHEN 'points' THEN CASE WHEN p.cost IS NOT NULL THEN 'reported' WHEN pc.token_points > 0 THEN CASE WHEN pc.unpriced = 0 THEN 'computed' ELSE 'unknown' END END
           WHEN 'turns' THEN CASE WHEN r.turn_unknown > 0 THEN 'unknown' WHEN r.turn_computed > 0 THEN 'computed' ELSE 'reported' END
         END AS cost_source_total
  FROM r, p, pc, m, source s
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
WHERE s.org_id = $1 AND s.agent = $2 AND s.session_id = $3`;
