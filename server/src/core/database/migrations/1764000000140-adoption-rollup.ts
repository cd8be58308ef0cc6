import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createRollupTriggers, dropRollupTriggers, utcDay } from './rollup-ddl';

/** A key of the days whose people changed teams: their counts are recomputed, not their activity (rollups/adoption-rollup.ts). */
const TEAMS_CHANGED = `'(teams)'`;

const mark = (select: string) => `INSERT INTO rollup_dirty (org_id, rollup, team, day) ${select}`;

/** The days of the activity of the org's accounts `actors` (`<source>:<external id>`): commits, PRs, reviews. */
const actorDays = (rows: string, org: string, actors: string) =>
  mark(`SELECT DISTINCT ${org}, 'adoption', '', d.day FROM ${rows} CROSS JOIN LATERAL rollup_adoption_actor_days(${org}, ${actors}) d(day)`);

/** The days of the sessions whose lowered person_key is an email of `rows` (an expression on `x`), one index lookup each. */
const sessionDaysByEmail = (rows: string, email: string) =>
  mark(`SELECT DISTINCT a.org_id, 'adoption', '', ${utcDay('s.started_at')}
          FROM (SELECT DISTINCT x.org_id, ${email} AS email FROM ${rows} x WHERE ${email} IS NOT NULL) a
          CROSS JOIN LATERAL (SELECT s.started_at FROM agent_sessions s WHERE s.org_id = a.org_id AND lower(s.person_key) = a.email OFFSET 0) s`);

/** The days a person of `rows` (`x.<person>`) is in the rollup as engineer or agent user, under `team`. */
const personDays = (rows: string, person: string, team: string) =>
  mark(`SELECT DISTINCT x.org_id, 'adoption', ${team}, (a.day::timestamp AT TIME ZONE 'UTC')
          FROM ${rows} x JOIN rollup_adoption_days a ON a.org_id = x.org_id AND a.person_id = x.${person}`);

/**
 * A statement-level trigger function: `mark(rows)` for the rows a change removed and those it added, where an UPDATE
 * counts only the rows whose `columns` (with the key) changed: the pipeline upserts every commit, PR, session and
 * account it sees again, mostly to the same values, and the resolver rewrites memberships' roles.
 */
function markFunctionSql(name: string, key: string[], columns: string[], markRows: (rows: string) => string): string {
  // Aliases a and b: old and new are PL/pgSQL's row variables.
  const differs = (rows: string, others: string) =>
    `(SELECT a.* FROM ${rows} a WHERE NOT EXISTS (SELECT 1 FROM ${others} b WHERE ${key.map((k) => `b.${k} = a.${k}`).join(' AND ')}
       ${columns.length > 0 ? `AND (${columns.map((c) => `b.${c}`).join(', ')}) IS NOT DISTINCT FROM (${columns.map((c) => `a.${c}`).join(', ')})` : ''}))`;
  return `
    CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        ${markRows(differs('old_rows', 'new_rows'))};
        ${markRows(differs('new_rows', 'old_rows'))};
      ELSIF TG_OP = 'DELETE' THEN
        ${markRows('old_rows')};
      ELSE
        ${markRows('new_rows')};
      END IF;
      RETURN NULL;
    END $$`;
}

const activityDays = (column: string) => (rows: string) => mark(`SELECT DISTINCT x.org_id, 'adoption', '', ${utcDay(`x.${column}`)} FROM ${rows} x`);

const TRIGGERS: Array<{ table: string; key: string[]; columns: string[]; mark: (rows: string) => string }> = [
  { table: 'commits', key: ['org_id', 'source', 'repo', 'sha'], columns: ['authored_at', 'author_id'], mark: activityDays('authored_at') },
  { table: 'pull_requests', key: ['org_id', 'source', 'repo', 'number'], columns: ['opened_at', 'author_id', 'author_is_bot'], mark: activityDays('opened_at') },
  { table: 'reviews', key: ['org_id', 'source', 'repo', 'pr_number', 'review_id'], columns: ['submitted_at', 'reviewer_id'], mark: activityDays('submitted_at') },
  { table: 'agent_sessions', key: ['org_id', 'agent', 'session_id'], columns: ['started_at', 'person_key'], mark: activityDays('started_at') },
  {
    // An account's person: its commits, PRs and reviews, and the sessions its email names (the third lookup).
    table: 'identity_people',
    key: ['org_id', 'source', 'external_id'],
    columns: ['person_id'],
    mark: (rows) => `${actorDays(`${rows} x`, 'x.org_id', `ARRAY[x.source || ':' || x.external_id]`)};
        ${sessionDaysByEmail(`(SELECT x.org_id, i.email FROM ${rows} x JOIN identities i ON i.org_id = x.org_id AND i.source = x.source AND i.external_id = x.external_id)`, 'lower(x.email)')}`,
  },
  { table: 'identities', key: ['org_id', 'source', 'external_id'], columns: ['email'], mark: (rows) => sessionDaysByEmail(rows, 'lower(x.email)') },
  { table: 'identity_mappings', key: ['org_id', 'source', 'match'], columns: ['person_email'], mark: (rows) => sessionDaysByEmail(`(SELECT * FROM ${rows} m WHERE m.source = 'email')`, 'x.match') },
  {
    // A person's bot flag or email: the activity of their accounts (engineers are not bots), the days they are in now
    // (sessions their old email named), and the sessions every email of theirs names now. No org-wide recompute.
    table: 'people',
    key: ['org_id', 'id'],
    columns: ['email', 'is_bot'],
    mark: (rows) => `${actorDays(`${rows} x JOIN identity_people ip ON ip.org_id = x.org_id AND ip.person_id = x.id`, 'x.org_id', `ARRAY[ip.source || ':' || ip.external_id]`)};
        ${personDays(rows, 'id', "''")};
        ${sessionDaysByEmail(rows, 'lower(x.email)')};
        ${sessionDaysByEmail(`(SELECT x.org_id, e.email FROM ${rows} x CROSS JOIN LATERAL rollup_person_emails(x.org_id, ARRAY[x.id]) e(email))`, 'x.email')}`,
  },
  // Teams change no one's activity: the days the person is in get their counts recomputed.
  { table: 'team_members', key: ['org_id', 'team_key', 'person_id'], columns: [], mark: (rows) => personDays(rows, 'person_id', TEAMS_CHANGED) },
];

const fn = (table: string) => `rollup_mark_adoption_${table}`;
const prefix = (table: string) => `${table}_adoption_rollup`;

/** Indexes the triggers and the refresh read the domain rows by: a day's commits and reviews, an account's activity. */
const INDEXES = [
  ['commits_authored_idx', 'commits (org_id, authored_at)'],
  ['reviews_submitted_idx', 'reviews (org_id, submitted_at)'],
  ['commits_author_idx', 'commits (org_id, author_id)'],
  ['pull_requests_author_idx', 'pull_requests (org_id, author_id)'],
  ['reviews_reviewer_idx', 'reviews (org_id, reviewer_id)'],
];

/**
 * The adoption rollup (server/src/metrics/rollups/adoption-rollup.ts): each day's distinct active people, their active
 * days per year as bits, the distinct counts of whole days, weeks and months per team, and each team's reach. Keys
 * (rollup `adoption`) are UTC days of activity, marked by statement-level triggers on the activity (commits, PRs
 * opened, reviews, sessions started) and on what decides a person (accounts, people, emails, mappings), each
 * marking only the days it can change; team memberships mark the days of the people concerned, counts only.
 */
export class AdoptionRollup1764000000140 implements MigrationInterface {
  name = 'AdoptionRollup1764000000140';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rollup_adoption_days (
        org_id uuid NOT NULL,
        day date NOT NULL,
        role text NOT NULL,
        who text NOT NULL,
        person_id uuid,
        first_at timestamptz NOT NULL,
        last_at timestamptz NOT NULL,
        CONSTRAINT rollup_adoption_days_pkey PRIMARY KEY (org_id, day, role, who),
        CONSTRAINT rollup_adoption_days_role_check CHECK (role IN ('engineer', 'agent_user'))
      )`);
    await q.query(`CREATE INDEX rollup_adoption_days_person_idx ON rollup_adoption_days (org_id, person_id)`);
    await q.query(`
      CREATE TABLE rollup_adoption_years (
        org_id uuid NOT NULL,
        year date NOT NULL,
        role text NOT NULL,
        who text NOT NULL,
        person_id uuid,
        days bit(366) NOT NULL,
        CONSTRAINT rollup_adoption_years_pkey PRIMARY KEY (org_id, year, role, who)
      )`);
    await q.query(`CREATE INDEX rollup_adoption_years_person_idx ON rollup_adoption_years (org_id, person_id)`);
    await q.query(`
      CREATE TABLE rollup_adoption (
        org_id uuid NOT NULL,
        slice text NOT NULL,
        grain text NOT NULL,
        day timestamptz NOT NULL,
        team text NOT NULL,
        engineers integer NOT NULL,
        users integer NOT NULL,
        first_use date,
        CONSTRAINT rollup_adoption_pkey PRIMARY KEY (org_id, slice, grain, day, team),
        CONSTRAINT rollup_adoption_slice_check CHECK (slice IN ('org', 'team')),
        CONSTRAINT rollup_adoption_grain_check CHECK (grain IN ('day', 'week', 'month'))
      )`);
    await q.query(`
      CREATE TABLE rollup_adoption_reach (
        org_id uuid NOT NULL,
        slice text NOT NULL,
        team text NOT NULL,
        first_use date,
        reached timestamptz,
        CONSTRAINT rollup_adoption_reach_pkey PRIMARY KEY (org_id, slice, team)
      )`);
    // IF NOT EXISTS: migration 143 (agent team rollups) makes pull_requests_author_idx too, and may have run first.
    for (const [name, on] of INDEXES) await q.query(`CREATE INDEX IF NOT EXISTS ${name} ON ${on}`);
    await q.query(`ALTER TABLE rollup_dirty DROP CONSTRAINT rollup_dirty_rollup_check`);
    await q.query(`ALTER TABLE rollup_dirty ADD CONSTRAINT rollup_dirty_rollup_check CHECK (rollup IN ('experiments', 'deployments', 'prs', 'agents', 'adoption'))`);
    await q.query(`
      CREATE FUNCTION rollup_adoption_actor_days(org uuid, actors text[]) RETURNS SETOF timestamptz LANGUAGE sql STABLE AS $$
        SELECT ${utcDay('c.authored_at')} FROM commits c WHERE c.org_id = org AND c.author_id = ANY (actors)
        UNION SELECT ${utcDay('p.opened_at')} FROM pull_requests p WHERE p.org_id = org AND p.author_id = ANY (actors)
        UNION SELECT ${utcDay('r.submitted_at')} FROM reviews r WHERE r.org_id = org AND r.reviewer_id = ANY (actors)
      $$`);
    await q.query(`
      CREATE FUNCTION rollup_adoption_activity_days(org uuid) RETURNS SETOF timestamptz LANGUAGE sql STABLE AS $$
        SELECT ${utcDay('c.authored_at')} FROM commits c WHERE c.org_id = org
        UNION SELECT ${utcDay('p.opened_at')} FROM pull_requests p WHERE p.org_id = org
        UNION SELECT ${utcDay('r.submitted_at')} FROM reviews r WHERE r.org_id = org
        UNION SELECT ${utcDay('s.started_at')} FROM agent_sessions s WHERE s.org_id = org
      $$`);
    for (const t of TRIGGERS) {
      await q.query(markFunctionSql(fn(t.table), t.key, t.columns, t.mark));
      await createRollupTriggers(q, t.table, prefix(t.table), fn(t.table));
    }
    // What is there already: every day of activity is dirty, so the worker (or `rollups rebuild`) fills the rollup.
    await q.query(mark(`SELECT o.org_id, 'adoption', '', d.day FROM orgs o CROSS JOIN LATERAL rollup_adoption_activity_days(o.org_id) d(day)`));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [...TRIGGERS].reverse()) {
      await dropRollupTriggers(q, t.table, prefix(t.table));
      await q.query(`DROP FUNCTION ${fn(t.table)}()`);
    }
    await q.query(`DROP FUNCTION rollup_adoption_activity_days(uuid)`);
    await q.query(`DROP FUNCTION rollup_adoption_actor_days(uuid, text[])`);
    await q.query(`DELETE FROM rollup_dirty WHERE rollup = 'adoption'`);
    await q.query(`ALTER TABLE rollup_dirty DROP CONSTRAINT rollup_dirty_rollup_check`);
    await q.query(`ALTER TABLE rollup_dirty ADD CONSTRAINT rollup_dirty_rollup_check CHECK (rollup IN ('experiments', 'deployments', 'prs', 'agents'))`);
    for (const [name] of [...INDEXES].reverse()) await q.query(`DROP INDEX ${name}`);
    for (const table of ['rollup_adoption_reach', 'rollup_adoption', 'rollup_adoption_years', 'rollup_adoption_days']) await q.query(`DROP TABLE ${table}`);
  }
}
