import { hoursBetween } from '../families/experiment-sql';
import type { Params } from '../metric-family';
import { failedDeploymentsSql } from '../families/incident-links';
import { keySql } from './histogram';
import { PR_STAGE_JOINS, PR_STAGES } from '../families/pr-stages';
import { countedPrSql, strongestAttributionJoin } from '../families/agent-sql';

/**
 * Which rows of a rollup table a row stands for: every item of the org, of one team, of one repo, or of one team in
 * one repo; in the agent rollups, of one agent, of one agent and model, of one agent in one repo, or of one team and agent.
 */
export type Slice = 'org' | 'team' | 'repo' | 'team_repo' | 'agent' | 'agent_model' | 'agent_repo' | 'team_agent';
/**
 * A rollup row's period: an hour (the finest rows, computed from the items; the others add them up), a day, a week
 * (from Monday) or a month, UTC. The `day` column holds the period's start whatever the grain.
 */
export type Grain = 'hour' | 'day' | 'week' | 'month';
export const GRAINS: readonly Grain[] = ['hour', 'day', 'week', 'month'];

/** The dirty keys a rollup is recomputed by (rollup_dirty.rollup). */
export type RollupSource = 'experiments' | 'deployments' | 'prs' | 'agents' | 'adoption';
export const ROLLUP_SOURCES: readonly RollupSource[] = ['experiments', 'deployments', 'prs', 'agents', 'adoption'];

/** A time range of items to aggregate, optionally for one team only (null: every team). */
export interface Scope {
  team: string | null;
  start: Date;
  end: Date;
}

/**
 * One rollup table: its count columns, its histogram measures (by index), and the SQL that turns domain rows
 * into one row per item in the rollup's shape, for the items of some scopes. The same item SQL fills the
 * rollups and answers the partial days at the edges of a query, so both always agree.
 */
export interface RollupTable {
  table: string;
  source: RollupSource;
  /** The two key columns after the day: team and repo, or agent and model in the agent rollup. */
  dims: readonly [string, string];
  /** Summed columns; the first is the number of items (a row whose items all left is deleted). */
  counts: readonly string[];
  /** The counts that are numeric (amounts, summed exactly), not integers. */
  numeric?: readonly string[];
  measures: readonly string[];
  /** The slice whose hour rows are computed from the domain rows; every other row adds up the change of those under it. */
  finest: Slice;
  /** The other slices kept, and which of the finest rows' two keys (`dims`) each keeps. */
  slices: ReadonlyArray<{ slice: Slice; keepFirst: boolean; keepSecond: boolean }>;
  /** Whether dirty keys name a team (experiments): else a refresh recomputes whole days. */
  dirtyByTeam: boolean;
  /** One row per item: day (the item's UTC hour), the two dims, the counts (0/1), hist_keys and hist_counts (all 1). */
  items(params: Params, orgParam: string, scopes: readonly Scope[]): string;
}

/** The UTC day of a timestamp (as sqlBucket('day')). */
export const daySql = (column: string) => `(date_trunc('day', (${column}) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;
/** The UTC hour of a timestamp: the key of an item, and of the finest rollup rows. */
export const hourSql = (column: string) => `(date_trunc('hour', (${column}) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;

/**
 * The rows of `table` (as `alias`) whose time lies in a scope, with their scope as `s(team, start_at, end_at)` (the
 * caller may add `AND` conditions on `s` after it). `range` is the row condition on `x` for one time range
 * `r(start_at, end_at)`. Each distinct range is an index range scan (LATERAL … OFFSET 0, whatever the planner
 * estimates: joined with the scopes directly it scanned the whole table, 40 ms per request at a million raw events);
 * scopes never overlap, so a row is read once.
 */
export function rowsInScopes(params: Params, scopes: readonly Scope[], table: string, alias: string, range: (x: string) => string): string {
  const ranges = distinctRanges(scopes);
  // The outer OFFSET 0 keeps the ranges' scans first: joined with the scopes before, a range was read once per scope.
  return `(SELECT x.*, r.start_at AS scope_start, r.end_at AS scope_end
      FROM unnest(${params.add(ranges.map((s) => s.start))}::timestamptz[], ${params.add(ranges.map((s) => s.end))}::timestamptz[]) AS r(start_at, end_at)
      CROSS JOIN LATERAL (SELECT x.* FROM ${table} x WHERE ${range('x')} OFFSET 0) x
      OFFSET 0) ${alias}
    JOIN unnest(${params.add(scopes.map((s) => s.team))}::text[], ${params.add(scopes.map((s) => s.start))}::timestamptz[], ${params.add(scopes.map((s) => s.end))}::timestamptz[]) AS s(team, start_at, end_at)
      ON s.start_at = ${alias}.scope_start AND s.end_at = ${alias}.scope_end`;
}

/** The time ranges of the scopes, each once (scopes of several teams share a day). */
export function distinctRanges(scopes: readonly Scope[]): Scope[] {
  return [...new Map(scopes.map((s) => [`${s.start.toISOString()}/${s.end.toISOString()}`, s])).values()];
}

/** The item's histogram: its keys (one per measure it has a duration for), each counted once. */
const HISTOGRAM = 'k.keys AS hist_keys, array_fill(1, ARRAY[cardinality(k.keys)]) AS hist_counts';

export const flag = (condition: string) => `COALESCE((${condition})::int, 0)`;

/**
 * The key of a stage measured only where both ends exist, as the exact SQL's FILTER does (hoursBetween alone
 * would give 0: GREATEST ignores NULL).
 */
const spanKey = (measure: number, start: string, end: string) => `CASE WHEN ${start} IS NOT NULL AND ${end} IS NOT NULL THEN ${keySql(measure, hoursBetween(start, end))} END`;

function experimentItems(basis: 'evidence_at' | 'insight_at', columns: string[], keys: string[]) {
  return (params: Params, orgParam: string, scopes: readonly Scope[]): string => `
    SELECT ${hourSql(`e.${basis}`)} AS day, COALESCE(e.team, '') AS team, COALESCE(e.pr_repo, '') AS repo,
           ${columns.join(',\n           ')},
           ${HISTOGRAM}
    FROM ${rowsInScopes(params, scopes, 'experiments', 'e', (x) => `${x}.org_id = ${orgParam} AND ${x}.${basis} >= r.start_at AND ${x}.${basis} < r.end_at`)}
      AND (s.team IS NULL OR COALESCE(e.team, '') = s.team)
    CROSS JOIN LATERAL (SELECT array_remove(ARRAY[${keys.join(', ')}]::int[], NULL) AS keys) k`;
}

/** Experiments by the day of their first evidence: throughput and insight-to-evidence. */
export const EXPERIMENTS_BY_EVIDENCE: RollupTable = {
  table: 'rollup_experiments_evidence',
  source: 'experiments',
  dims: ['team', 'repo'],
  dirtyByTeam: true,
  counts: ['experiments', 'ci_success', 'preview_deployment', 'evidence_event'],
  measures: ['cycle', 'wait', 'build', 'verify', 'decide'],
  finest: 'team_repo',
  slices: [
    { slice: 'team', keepFirst: true, keepSecond: false },
    { slice: 'repo', keepFirst: false, keepSecond: true },
    { slice: 'org', keepFirst: false, keepSecond: false },
  ],
  items: experimentItems(
    'evidence_at',
    [
      '1 AS experiments',
      `${flag("e.evidence_kind = 'ci_success'")} AS ci_success`,
      `${flag("e.evidence_kind = 'preview_deployment'")} AS preview_deployment`,
      `${flag("e.evidence_kind LIKE 'event:%'")} AS evidence_event`,
    ],
    [
      keySql(0, hoursBetween('e.insight_at', 'e.evidence_at')),
      spanKey(1, 'e.insight_at', 'e.work_started_at'),
      spanKey(2, 'e.work_started_at', 'e.pr_opened_at'),
      spanKey(3, 'e.pr_opened_at', 'e.evidence_at'),
      spanKey(4, 'e.evidence_at', 'e.decided_at'),
    ],
  ),
};

/** Experiments by the day of their insight: the decision mix (a cohort view). */
export const EXPERIMENTS_BY_INSIGHT: RollupTable = {
  table: 'rollup_experiments_insight',
  source: 'experiments',
  dims: ['team', 'repo'],
  dirtyByTeam: true,
  counts: ['experiments', 'promoted', 'rejected', 'refined', 'open'],
  measures: ['reject'],
  finest: 'team_repo',
  slices: EXPERIMENTS_BY_EVIDENCE.slices,
  items: experimentItems(
    'insight_at',
    [
      '1 AS experiments',
      `${flag("e.decision = 'promote'")} AS promoted`,
      `${flag("e.decision = 'reject'")} AS rejected`,
      `${flag("e.decision = 'refine'")} AS refined`,
      `${flag('e.decision IS NULL')} AS open`,
    ],
    // As the exact SQL: every rejection, a missing decision time counting as 0.
    [`CASE WHEN e.decision = 'reject' THEN ${keySql(0, hoursBetween('e.insight_at', 'e.decided_at'))} END`],
  ),
};

/**
 * Production deployments by the day they succeeded (DORA), with the same incident linking as the exact SQL
 * (incident-links.ts): an incident goes to the latest production deployment of the 24 h before it that its
 * deployment id and sha allow. Only incidents that can reach a deployment of the scopes are read.
 */
export const PRODUCTION_DEPLOYMENTS: RollupTable = {
  table: 'rollup_deployments',
  source: 'deployments',
  dims: ['team', 'repo'],
  dirtyByTeam: false,
  counts: ['deployments', 'failed'],
  measures: ['lead', 'recovery'],
  finest: 'repo',
  slices: [{ slice: 'org', keepFirst: false, keepSecond: false }],
  items(params, orgParam, scopes) {
    const ranges = distinctRanges(scopes);
    // The failed ones of each range, from the incidents' side (incident-links.ts, as the exact metric): one index
    // lookup per incident, not a read of every incident of every deployment's next 24 h. Ranges never overlap, so a
    // deployment is in one at most. MATERIALIZED: computed once; joined as a subquery, the planner (expecting one
    // deployment) ran it again for each deployment: minutes per batch once a day held thousands of them (10M).
    return `
    WITH failed AS MATERIALIZED (
      SELECT f.source AS d_source, f.external_id AS d_id, f.recovery_hours
      FROM unnest(${params.add(ranges.map((r) => r.start))}::timestamptz[], ${params.add(ranges.map((r) => r.end))}::timestamptz[]) AS ir(start_at, end_at)
      CROSS JOIN LATERAL (${failedDeploymentsSql(orgParam, 'ir.start_at', 'ir.end_at')} OFFSET 0) f
    )
    SELECT ${hourSql('d.succeeded_at')} AS day, '' AS team, COALESCE(d.repo, '') AS repo,
           1 AS deployments, ${flag('f.d_id IS NOT NULL')} AS failed,
           ${HISTOGRAM}
    FROM (SELECT d.* FROM ${rowsInScopes(params, scopes, 'deployments', 'd', (x) => `${x}.org_id = ${orgParam} AND ${x}.environment_kind = 'production' AND ${x}.succeeded_at >= r.start_at AND ${x}.succeeded_at < r.end_at`)}) d
    LEFT JOIN LATERAL (
      SELECT min(c.authored_at) AS authored_at FROM commits c WHERE c.org_id = d.org_id AND c.sha = d.sha
    ) c ON true
    LEFT JOIN failed f ON f.d_source = d.source AND f.d_id = d.external_id
    CROSS JOIN LATERAL (SELECT array_remove(ARRAY[${spanKey(0, 'c.authored_at', 'd.succeeded_at')}, ${keySql(1, 'f.recovery_hours')}]::int[], NULL) AS keys) k`;
  },
};

/**
 * Pull requests by the day they merged (PR cycle), bot authors left out, with the same stages as the exact SQL
 * (pr-cycle.sql.ts, which shares `prStagesSql`): the whole cycle, coding, pickup and review.
 */
export const MERGED_PULL_REQUESTS: RollupTable = {
  table: 'rollup_pull_requests',
  source: 'prs',
  dims: ['team', 'repo'],
  dirtyByTeam: false,
  counts: ['merged'],
  measures: ['cycle', 'coding', 'pickup', 'review'],
  finest: 'repo',
  slices: [{ slice: 'org', keepFirst: false, keepSecond: false }],
  items(params, orgParam, scopes) {
    const stage = PR_STAGES;
    return `
    SELECT ${hourSql('p.merged_at')} AS day, '' AS team, p.repo, 1 AS merged, ${HISTOGRAM}
    FROM (SELECT p.* FROM ${rowsInScopes(params, scopes, 'pull_requests', 'p', (x) => `${x}.org_id = ${orgParam} AND ${x}.merged_at >= r.start_at AND ${x}.merged_at < r.end_at AND NOT ${x}.author_is_bot`)}) p
    ${PR_STAGE_JOINS}
    CROSS JOIN LATERAL (SELECT array_remove(ARRAY[
      ${keySql(0, hoursBetween(stage.cycleStart, 'p.merged_at'))},
      ${spanKey(1, stage.coding[0], stage.coding[1])},
      ${spanKey(2, stage.pickup[0], stage.pickup[1])},
      ${spanKey(3, stage.review[0], stage.review[1])}]::int[], NULL) AS keys) k`;
  },
};

/**
 * Merged PRs that count (automation bots left out, agents' bots in) by the day they merged, keyed by their strongest
 * agent attribution's agent ('' when no agent touched them) and repo, with its reason as agent-assisted-prs counts
 * them (agent-sql.ts). No team: a PR's team is its author's in the teams file, which the domain tables answer.
 */
export const ASSISTED_PULL_REQUESTS: RollupTable = {
  table: 'rollup_assisted_prs',
  source: 'prs',
  dims: ['agent', 'repo'],
  dirtyByTeam: false,
  counts: ['prs', 'assisted', 'via_agent_author', 'via_session', 'via_co_author_trailer', 'via_footer_or_label'],
  measures: [],
  finest: 'agent_repo',
  slices: [
    { slice: 'agent', keepFirst: true, keepSecond: false },
    { slice: 'repo', keepFirst: false, keepSecond: true },
    { slice: 'org', keepFirst: false, keepSecond: false },
  ],
  items(params, orgParam, scopes) {
    return `
    SELECT ${hourSql('p.merged_at')} AS day, COALESCE(att.agent, '') AS agent, p.repo, 1 AS prs,
           ${flag('att.agent IS NOT NULL')} AS assisted,
           ${flag(`att.reason = 'author_is_agent_bot'`)} AS via_agent_author,
           ${flag(`att.reason IN ('session_reported_sha', 'session_reported_branch')`)} AS via_session,
           ${flag(`att.reason = 'co_author_trailer'`)} AS via_co_author_trailer,
           ${flag(`att.reason IN ('pr_footer', 'pr_label')`)} AS via_footer_or_label,
           '{}'::int[] AS hist_keys, '{}'::int[] AS hist_counts
    FROM (SELECT p.* FROM ${rowsInScopes(params, scopes, 'pull_requests', 'p', (x) => `${x}.org_id = ${orgParam} AND ${x}.merged_at >= r.start_at AND ${x}.merged_at < r.end_at`)}) p
    ${strongestAttributionJoin('p', 'att')}
    WHERE ${countedPrSql('p')}`;
  },
};

/** The counts of the agent rollups, and those that are amounts (numeric: a month of tokens passes 2^31). */
export const AGENT_COUNTS = [
  'items', 'sessions', 'judged', 'succeeded', 'known_person', 'to_pr', 'cost_usd',
  'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens', 'reported_cost_usd', 'computed_cost_usd',
  'reported_cost_sessions', 'computed_cost_sessions', 'no_cost_sessions',
  'prs', 'merged', 'ci_judged', 'ci_green', 'changes_requested', 'reverted', 'rework_judged', 'reworked',
];
export const AGENT_AMOUNTS = ['cost_usd', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens', 'reported_cost_usd', 'computed_cost_usd'];

/**
 * Agent sessions and PRs (agent-quality and agent-cost without a team): the agent sessions by the day they started,
 * per agent and model, and the counted PRs by the day they closed or merged, per their strongest attribution's agent
 * ('' for the PRs no agent touched; a PR has no model), with every count agent-quality's values are ratios of and the
 * sessions' cost and tokens (agent-cost).
 * The items are the exact SQL's (agent-sql.ts: session → PR, first-pass CI, rework, reverts), computed once per
 * dirty day and stored (agent-items.ts, rollup_agent_items), then summed here and in AGENT_TEAM_ROLLUP. Keys are whole
 * days (`agents`), marked by the triggers of migration 1764000000130 on every table these items read.
 */
export const AGENT_ROLLUP: RollupTable = {
  table: 'rollup_agents',
  source: 'agents',
  dims: ['agent', 'model'],
  dirtyByTeam: false,
  counts: AGENT_COUNTS,
  numeric: AGENT_AMOUNTS,
  measures: [],
  finest: 'agent_model',
  slices: [{ slice: 'agent', keepFirst: true, keepSecond: false }],
  items: storedAgentItems('agent_model'),
};

/**
 * The same items by team and agent (agent-quality and agent-cost by team, or for one team): a session is an item
 * of its team (session_team: its own, else its person's only team; '' for none), a PR of each team of its author
 * ('' for none and for bots), as the exact SQL's team dimension and team filter take them. No model. Same keys
 * (`agents`), with the triggers of migration 1764000000143 on team memberships and accounts' people.
 */
export const AGENT_TEAM_ROLLUP: RollupTable = {
  table: 'rollup_agent_teams',
  source: 'agents',
  dims: ['team', 'agent'],
  dirtyByTeam: false,
  counts: AGENT_COUNTS,
  numeric: AGENT_AMOUNTS,
  measures: [],
  finest: 'team_agent',
  slices: [{ slice: 'team', keepFirst: true, keepSecond: false }],
  items: storedAgentItems('team_agent'),
};

/**
 * The items of the agent rollups, read from rollup_agent_items (agent-items.ts: each agent session at its start, each
 * counted PR at its close or merge, computed from the domain rows when a refresh recomputes their day), keyed by agent
 * and model (`agent_model`: a PR has no model, '') or by team and agent (`team_agent`: a session's team, a PR once per
 * team of its author; '' for none). An index range per range of the scopes: the rollups' day rows and a query's
 * partial days sum the same stored rows.
 */
export function storedAgentItems(keys: 'agent_model' | 'team_agent'): RollupTable['items'] {
  const dims = keys === 'team_agent' ? 't.team, i.agent' : 'i.agent, i.model';
  return (params, orgParam, scopes) => `
    SELECT ${hourSql('i.at')} AS day, ${dims}, 1 AS items, ${AGENT_COUNTS.filter((c) => c !== 'items').map((c) => `i.${c}`).join(', ')},
           '{}'::int[] AS hist_keys, '{}'::int[] AS hist_counts
    FROM (SELECT x.* FROM unnest(${params.add(distinctRanges(scopes).map((r) => r.start))}::timestamptz[], ${params.add(distinctRanges(scopes).map((r) => r.end))}::timestamptz[]) AS r(start_at, end_at)
          CROSS JOIN LATERAL (SELECT x.* FROM rollup_agent_items x WHERE x.org_id = ${orgParam} AND x.at >= r.start_at AND x.at < r.end_at OFFSET 0) x) i
    ${keys === 'team_agent' ? 'CROSS JOIN LATERAL unnest(i.teams) AS t(team)' : ''}`;
}

export const ROLLUP_TABLES: readonly RollupTable[] = [EXPERIMENTS_BY_EVIDENCE, EXPERIMENTS_BY_INSIGHT, PRODUCTION_DEPLOYMENTS, MERGED_PULL_REQUESTS, ASSISTED_PULL_REQUESTS, AGENT_ROLLUP, AGENT_TEAM_ROLLUP];
