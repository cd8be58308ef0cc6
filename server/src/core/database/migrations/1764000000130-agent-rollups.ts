import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createRollupTableSql, createRollupTriggers, dropRollupTriggers, rollupMarkFunctionSql, utcDay } from './rollup-ddl';

/** The counts of rollup_agents (server/src/metrics/rollups/rollup-tables.ts, AGENT_ROLLUP), and those that are amounts. */
export const AGENT_ROLLUP_COUNTS = [
  'items', 'sessions', 'judged', 'succeeded', 'known_person', 'to_pr', 'cost_usd',
  'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens', 'reported_cost_usd', 'computed_cost_usd',
  'reported_cost_sessions', 'computed_cost_sessions', 'no_cost_sessions',
  'prs', 'merged', 'ci_judged', 'ci_green', 'changes_requested', 'reverted', 'rework_judged', 'reworked',
] as const;
/** Sums of money and tokens: numeric (a month of an org's tokens passes the 2^31 of an integer). */
export const AGENT_ROLLUP_AMOUNTS = ['cost_usd', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens', 'reported_cost_usd', 'computed_cost_usd'] as const;

/** agent-sql.ts's SESSION_TO_PR_HOURS and REVERT_WINDOW_DAYS, as they were when this migration was written. */
const SESSION_TO_PR = `interval '24 hours'`;
const REVERT_WINDOW = `interval '14 days'`;

const mark = (select: string) => `INSERT INTO rollup_dirty (org_id, rollup, day) ${select}`;

/** The days of the agent sessions of the org's sessions `s` matching a condition (a session's day is its start). */
const sessionDays = (from: string) => mark(`SELECT DISTINCT s.org_id, 'agents', ${utcDay('s.started_at')} ${from}`);

/**
 * `s`: the sessions whose lowered person_key is `email`, one index lookup per email (LATERAL … OFFSET 0: a transition
 * table has no statistics, and joined directly the planner read every session started before a PR opened, per PR).
 */
const personSessions = (org: string, email: string, where: string) => `CROSS JOIN LATERAL (
            SELECT s.org_id, s.started_at FROM agent_sessions s WHERE s.org_id = ${org} AND lower(s.person_key) = ${email} ${where} OFFSET 0
          ) s`;

/**
 * What a change to PRs `p` (a FROM clause ending in a WHERE, as the other rollup migrations write it) reaches: the
 * day each closed or merged, and with `sessions`, the days of its author's agent sessions it may have followed
 * (session → PR: a session started before the PR opened and ended at most 24 h before). The author's sessions are
 * those whose person_key is one of the emails of the author's person (the lookup of agent-sql.ts's session_people).
 */
const markPrs = (prs: string, sessions: boolean) => `
        ${mark(`SELECT DISTINCT p.org_id, 'agents', ${utcDay('COALESCE(p.merged_at, p.closed_at)')} ${prs} AND COALESCE(p.merged_at, p.closed_at) IS NOT NULL`)}
        ${
          sessions
            ? `;
        ${sessionDays(`FROM (SELECT DISTINCT p.org_id, p.author_id, p.opened_at ${prs} AND p.author_id IS NOT NULL) a
          JOIN identity_people ip ON ip.org_id = a.org_id AND ip.source = split_part(a.author_id, ':', 1)
            AND ip.external_id = substr(a.author_id, length(split_part(a.author_id, ':', 1)) + 2)
          CROSS JOIN LATERAL rollup_person_emails(a.org_id, ARRAY[ip.person_id]) e(email)
          ${personSessions('a.org_id', 'e.email', `AND s.started_at <= a.opened_at AND s.ended_at >= a.opened_at - ${SESSION_TO_PR}`)}`)}`
            : ''
        }`;

/**
 * Everything of the orgs of rows with a bot flag: a bot person, or an identity given to one, changes which commits
 * are human rework and whose PRs count as a person's, across the org's history. Rare (a handful of bots per org,
 * written once), so the whole org's agent days are recomputed rather than traced.
 */
const markOrgsOf = (orgs: string) => `
        ${mark(`SELECT DISTINCT s.org_id, 'agents', ${utcDay('s.started_at')} FROM agent_sessions s WHERE s.org_id IN (${orgs})
          UNION SELECT p.org_id, 'agents', ${utcDay('COALESCE(p.merged_at, p.closed_at)')} FROM pull_requests p
          WHERE p.org_id IN (${orgs}) AND COALESCE(p.merged_at, p.closed_at) IS NOT NULL`)}`;

/** Sessions whose person lookup can change with rows `x` holding `x.person_id` (one of a person's emails) or an email expression. */
const markPersonSessions = (rows: string, person: string | null, email: string | null) =>
  [
    person
      ? sessionDays(`FROM (SELECT DISTINCT x.org_id, ${person} AS person_id FROM ${rows} x WHERE ${person} IS NOT NULL) a
          CROSS JOIN LATERAL rollup_person_emails(a.org_id, ARRAY[a.person_id]) e(email)
          ${personSessions('a.org_id', 'e.email', '')}`)
      : null,
    email
      ? sessionDays(`FROM (SELECT DISTINCT x.org_id, ${email} AS email FROM ${rows} x WHERE ${email} IS NOT NULL) a
          ${personSessions('a.org_id', 'a.email', '')}`)
      : null,
  ]
    .filter(Boolean)
    .join(';\n        ');

/**
 * The trigger function of one table: `mark(rows)` for the rows before and after a change, as rollupMarkFunctionSql
 * does, but with `changed`, an UPDATE marks only the rows whose `columns` changed: the pipeline upserts every account
 * and commit it sees again (an update to the same values), and each would mark the days of every session of its
 * person since the start.
 */
export function markFunctionSql(name: string, mark: (rows: string) => string, changed?: { key: string[]; columns: string[] }): string {
  if (!changed) return rollupMarkFunctionSql(name, mark);
  const list = (alias: string) => `(${changed.columns.map((c) => `${alias}.${c}`).join(', ')})`;
  const pairs = `old_rows o JOIN new_rows n USING (${changed.key.join(', ')}) WHERE ${list('o')} IS DISTINCT FROM ${list('n')}`;
  return `
    CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        ${mark(`(SELECT o.* FROM ${pairs})`)};
        ${mark(`(SELECT n.* FROM ${pairs})`)};
      ELSIF TG_OP = 'DELETE' THEN
        ${mark('old_rows')};
      ELSE
        ${mark('new_rows')};
      END IF;
      RETURN NULL;
    END $$`;
}

const TRIGGERS: Array<{ table: string; prefix: string; fn: string; mark: (rows: string) => string; changed?: { key: string[]; columns: string[] } }> = [
  { table: 'agent_sessions', prefix: 'agent_sessions_agents_rollup', fn: 'rollup_mark_agent_sessions', mark: (rows) => sessionDays(`FROM ${rows} s`) },
  {
    table: 'pull_requests',
    prefix: 'pull_requests_agents_rollup',
    fn: 'rollup_mark_agent_prs',
    // The PR itself, its author's sessions, and the PRs a merged `Revert "<title>"` PR reverts.
    mark: (rows) => `${markPrs(`FROM ${rows} p WHERE true`, true)};
        ${mark(`SELECT DISTINCT p.org_id, 'agents', ${utcDay('COALESCE(p.merged_at, p.closed_at)')}
          FROM ${rows} rv JOIN pull_requests p ON p.org_id = rv.org_id AND p.source = rv.source AND p.repo = rv.repo
            AND p.merged_at < rv.merged_at AND p.merged_at >= rv.merged_at - ${REVERT_WINDOW} AND rv.title = 'Revert "' || p.title || '"'
          WHERE rv.merged_at IS NOT NULL AND rv.title LIKE 'Revert "%'`)}`,
  },
  {
    table: 'commits',
    prefix: 'commits_agents_rollup',
    fn: 'rollup_mark_agent_commits',
    // The PRs of the commit's branch: their attributions (through the commit's) and their human rework. A commit seen
    // again changes at most its branch.
    changed: { key: ['org_id', 'source', 'repo', 'sha'], columns: ['branch', 'authored_at', 'author_id', 'author_login'] },
    mark: (rows) => markPrs(`FROM ${rows} c JOIN pull_requests p ON p.org_id = c.org_id AND p.head_ref = c.branch AND p.source = c.source AND p.repo = c.repo WHERE true`, true),
  },
  {
    table: 'reviews',
    prefix: 'reviews_agents_rollup',
    fn: 'rollup_mark_agent_reviews',
    mark: (rows) => markPrs(`FROM ${rows} r JOIN pull_requests p ON p.org_id = r.org_id AND p.source = r.source AND p.repo = r.repo AND p.number = r.pr_number WHERE true`, false),
  },
  {
    table: 'ci_runs',
    prefix: 'ci_runs_agents_rollup',
    fn: 'rollup_mark_agent_ci_runs',
    // First-pass CI: the PRs of the run's head commit, and those it lists.
    mark: (rows) => `${markPrs(`FROM ${rows} r JOIN pull_requests p ON p.org_id = r.org_id AND p.head_sha = r.head_sha AND p.source = r.source AND p.repo = r.repo WHERE true`, false)};
        ${markPrs(`FROM ${rows} r CROSS JOIN unnest(r.pr_numbers) AS n(number) JOIN pull_requests p ON p.org_id = r.org_id AND p.source = r.source AND p.repo = r.repo AND p.number = n.number WHERE true`, false)}`,
  },
  {
    table: 'agent_attributions',
    prefix: 'agent_attributions_agents_rollup',
    fn: 'rollup_mark_agent_attributions',
    mark: (rows) => `${markPrs(`FROM ${rows} a JOIN pull_requests p ON p.org_id = a.org_id AND (p.source || ':' || p.repo || '#' || p.number::text) = a.target_key WHERE a.target_type = 'pull_request'`, true)};
        ${markPrs(`FROM ${rows} a JOIN commits c ON c.org_id = a.org_id AND (c.source || ':' || c.repo || '@' || c.sha) = a.target_key
          JOIN pull_requests p ON p.org_id = c.org_id AND p.head_ref = c.branch AND p.source = c.source AND p.repo = c.repo WHERE a.target_type = 'commit'`, true)}`,
  },
  {
    table: 'people',
    prefix: 'people_agents_rollup',
    fn: 'rollup_mark_agent_people',
    changed: { key: ['org_id', 'id'], columns: ['email', 'is_bot'] },
    mark: (rows) => `${markOrgsOf(`SELECT x.org_id FROM ${rows} x WHERE x.is_bot`)};
        ${markPersonSessions(rows, 'x.id', 'lower(x.email)')}`,
  },
  {
    table: 'identity_people',
    prefix: 'identity_people_agents_rollup',
    fn: 'rollup_mark_agent_identity_people',
    changed: { key: ['org_id', 'source', 'external_id'], columns: ['person_id'] },
    mark: (rows) => `${markOrgsOf(`SELECT x.org_id FROM ${rows} x JOIN people pe ON pe.org_id = x.org_id AND pe.id = x.person_id WHERE pe.is_bot`)};
        ${markPersonSessions(rows, 'x.person_id', null)};
        ${markPersonSessions(`(SELECT x.org_id, i.email FROM ${rows} x JOIN identities i ON i.org_id = x.org_id AND i.source = x.source AND i.external_id = x.external_id)`, null, 'lower(x.email)')}`,
  },
  {
    table: 'identities',
    prefix: 'identities_agents_rollup',
    fn: 'rollup_mark_agent_identities',
    changed: { key: ['org_id', 'source', 'external_id'], columns: ['email'] },
    mark: (rows) => markPersonSessions(rows, null, 'lower(x.email)'),
  },
  {
    table: 'identity_mappings',
    prefix: 'identity_mappings_agents_rollup',
    fn: 'rollup_mark_agent_identity_mappings',
    changed: { key: ['org_id', 'source', 'match'], columns: ['person_email'] },
    mark: (rows) => markPersonSessions(`(SELECT * FROM ${rows} m WHERE m.source = 'email')`, null, 'x.match'),
  },
];

/**
 * A rollup of agent sessions and PRs (agent-quality and agent-cost by agent and model, and their totals): the agent
 * sessions by the day they started and the counted PRs by the day they closed or merged, keyed by agent and model (a
 * PR: its strongest attribution's agent, '' when no agent touched it; never a model), with every count agent-quality's
 * values are ratios of and the sessions' cost and tokens. Its keys are days (rollup `agents`), marked by statement-level triggers on every table those counts
 * read: sessions, PRs (and the PRs a revert names), commits, reviews and CI runs of PRs, agent attributions, and
 * the people and identities a session's person and a PR's author are looked up in.
 */
export class AgentRollups1764000000130 implements MigrationInterface {
  name = 'AgentRollups1764000000130';

  async up(q: QueryRunner): Promise<void> {
    await q.query(createRollupTableSql('rollup_agents', AGENT_ROLLUP_COUNTS, { dims: ['agent', 'model'], slices: ['agent', 'agent_model'], numeric: AGENT_ROLLUP_AMOUNTS, pct: true }));
    await q.query(`ALTER TABLE rollup_dirty DROP CONSTRAINT rollup_dirty_rollup_check`);
    await q.query(`ALTER TABLE rollup_dirty ADD CONSTRAINT rollup_dirty_rollup_check CHECK (rollup IN ('experiments', 'deployments', 'prs', 'agents'))`);
    // The triggers find a person's sessions by the lowered key, as session_people matches them.
    await q.query(`CREATE INDEX agent_sessions_person_lower_idx ON agent_sessions (org_id, lower(person_key), started_at)`);
    // Every email that can name a person in session_people: their own, an `email` mapping to it, an identity's.
    await q.query(`
      CREATE FUNCTION rollup_person_emails(org uuid, persons uuid[]) RETURNS SETOF text LANGUAGE sql STABLE AS $$
        SELECT lower(pe.email) FROM people pe WHERE pe.org_id = org AND pe.id = ANY (persons) AND pe.email IS NOT NULL
        UNION
        SELECT m.match FROM people pe JOIN identity_mappings m ON m.org_id = pe.org_id AND m.source = 'email' AND m.person_email = lower(pe.email)
        WHERE pe.org_id = org AND pe.id = ANY (persons)
        UNION
        SELECT lower(i.email) FROM identity_people ip JOIN identities i ON i.org_id = ip.org_id AND i.source = ip.source AND i.external_id = ip.external_id
        WHERE ip.org_id = org AND ip.person_id = ANY (persons) AND i.email IS NOT NULL
      $$`);
    for (const t of TRIGGERS) {
      await q.query(markFunctionSql(t.fn, t.mark, t.changed));
      await createRollupTriggers(q, t.table, t.prefix, t.fn);
    }
    // What is there already: every day is dirty, so the next batch (or `rollups rebuild`) fills the table.
    await q.query(markOrgsOf('SELECT org_id FROM orgs'));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [...TRIGGERS].reverse()) {
      await dropRollupTriggers(q, t.table, t.prefix);
      await q.query(`DROP FUNCTION ${t.fn}()`);
    }
    await q.query(`DROP FUNCTION rollup_person_emails(uuid, uuid[])`);
    await q.query(`DROP INDEX agent_sessions_person_lower_idx`);
    await q.query(`DELETE FROM rollup_dirty WHERE rollup = 'agents'`);
    await q.query(`ALTER TABLE rollup_dirty DROP CONSTRAINT rollup_dirty_rollup_check`);
    await q.query(`ALTER TABLE rollup_dirty ADD CONSTRAINT rollup_dirty_rollup_check CHECK (rollup IN ('experiments', 'deployments', 'prs'))`);
    await q.query(`DROP TABLE rollup_agents`);
  }
}
