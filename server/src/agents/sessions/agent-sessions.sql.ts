/**
 * The agent session list: filters as composable fragments on agent_sessions (every one optional, all
 * parameterized), newest first, with the total for paging. `$1` is always the org.
 */
export interface AgentSessionFilter {
  agent?: string;
  model?: string;
  team?: string;
  person?: string;
  from?: string;
  to?: string;
  /** Only sessions of these teams (the caller's), when set. */
  teams?: readonly string[];
}

export function sessionFilterSql(filter: AgentSessionFilter, params: unknown[]): string {
  const where = ['org_id = $1'];
  const add = (fragment: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(fragment(`$${params.length}`));
  };
  if (filter.agent !== undefined) add((p) => `agent = ${p}`, filter.agent);
  if (filter.model !== undefined) add((p) => `model = ${p}`, filter.model);
  if (filter.team !== undefined) add((p) => `team = ${p}`, filter.team);
  if (filter.teams !== undefined) add((p) => `team = ANY(${p}::text[])`, filter.teams);
  if (filter.person !== undefined) add((p) => `person_key = ${p}`, filter.person.includes('@') ? filter.person.toLowerCase() : filter.person);
  if (filter.from !== undefined) add((p) => `ended_at >= ${p}::timestamptz`, filter.from);
  if (filter.to !== undefined) add((p) => `started_at < ${p}::timestamptz`, filter.to);
  return where.join(' AND ');
}

export const SESSION_COLUMNS = `agent, session_id, person_key, person_source, team, team_source, model, started_at, ended_at,
  input_tokens::text AS input_tokens, output_tokens::text AS output_tokens, cache_read_tokens::text AS cache_read_tokens,
  cache_creation_tokens::text AS cache_creation_tokens, cost_usd::text AS cost_usd, cost_source, runs, prompts, tool_accepted, tool_rejected,
  errors, lines_added::text AS lines_added, lines_removed::text AS lines_removed, commits, pull_requests`;

export interface SessionRow {
  agent: string;
  session_id: string;
  person_key: string | null;
  person_source: string | null;
  team: string | null;
  team_source: 'resource' | 'token' | null;
  model: string | null;
  started_at: Date;
  ended_at: Date;
  input_tokens: string;
  output_tokens: string;
  cache_read_tokens: string;
  cache_creation_tokens: string;
  cost_usd: string | null;
  cost_source: 'reported' | 'computed' | 'unknown' | null;
  runs: number;
  prompts: number;
  tool_accepted: number;
  tool_rejected: number;
  errors: number;
  lines_added: string;
  lines_removed: string;
  commits: number;
  pull_requests: number;
}

export const RUN_COLUMNS = `run_key, kind, at, model, prompt_id, input_tokens::text AS input_tokens, output_tokens::text AS output_tokens,
  cache_read_tokens::text AS cache_read_tokens, cache_creation_tokens::text AS cache_creation_tokens, cost_usd::text AS cost_usd, cost_source,
  tool_name, outcome, error, duration_ms`;

export interface RunRow {
  run_key: string;
  kind: 'api_request' | 'api_error' | 'tool_decision' | 'tool_result' | 'user_prompt';
  at: Date;
  model: string | null;
  prompt_id: string | null;
  input_tokens: string;
  output_tokens: string;
  cache_read_tokens: string;
  cache_creation_tokens: string;
  cost_usd: string | null;
  cost_source: 'reported' | 'computed' | 'unknown' | null;
  tool_name: string | null;
  outcome: 'success' | 'error' | 'accepted' | 'rejected' | null;
  error: string | null;
  duration_ms: number | null;
}
