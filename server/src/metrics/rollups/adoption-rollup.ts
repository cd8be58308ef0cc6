import { bucketsOf, bucketStart, nextBucket } from '../buckets';
import { ADOPTION_TARGET, adoptionActivityCte } from '../families/adoption-activity';
import { actorPeopleCte, sessionPeopleCte } from '../families/agent-sql';
import { Params, type MetricPlan, type SqlQuery } from '../metric-family';
import type { RollupSql } from './refresh-rollups';

/**
 * The adoption rollup (migration 1764000000140). Distinct people do not add up across days, so it is not a
 * RollupTable of sums; it keeps who was active when, and the distinct counts of whole buckets:
 * - `rollup_adoption_days`: each UTC day's distinct (role, who) of the activity (families/adoption-activity.ts), with
 *   the first and last time of the day: a period cut mid-day counts who was active after its start (last_at) or
 *   before its end (first_at) from these rows, not from the domain tables;
 * - `rollup_adoption_years`: per (year, role, who), a bit per day of the year on which they were active: the distinct
 *   people of any run of whole days are one row per person and year, tested with one substring;
 * - `rollup_adoption`: per whole day, week and month, the distinct engineers and agent users of the org (slice `org`)
 *   and of each team (slice `team`, team '' = people in no team and unknown session keys), and their first day of
 *   agent use in the bucket;
 * - `rollup_adoption_reach`: per slice and team, the first day of agent use and the first week whose rate reached
 *   the target (daysTo50), so a request does not read every week of every team.
 * Dirty keys (rollup `adoption`): team '' for a day whose activity changed (recomputed from the domain rows, then its
 * bits), any other team for a day whose people changed teams (its counts only).
 */

const DAY_MS = 86_400_000;

/** A piece of a bucket: whole days [startDay, endDay) and at most one partial day at each end. */
interface Piece {
  kind: string;
  bucket: Date;
  startDay: string;
  endDay: string;
  head: { day: string; from: Date } | null;
  tail: { day: string; to: Date } | null;
}

const isoDay = (t: Date) => t.toISOString().slice(0, 10);
const dayOf = (t: Date) => bucketStart(t, 'day');

/**
 * [start, end) as whole days and partial days, for the bucket `bucket`; null when both ends cut the same day (who
 * was active between two times of one day is not in the rollup).
 */
function pieceOf(kind: string, bucket: Date, start: Date, end: Date): Piece | null {
  const first = dayOf(start);
  const last = dayOf(end);
  const head = first.getTime() === start.getTime() ? null : { day: isoDay(first), from: start };
  const tail = last.getTime() === end.getTime() ? null : { day: isoDay(last), to: end };
  if (head && tail && head.day === tail.day) return null;
  const startDay = head ? new Date(first.getTime() + DAY_MS) : first;
  return { kind, bucket, startDay: isoDay(startDay), endDay: isoDay(last < startDay ? startDay : last), head, tail };
}

/** The pieces as a SELECT (kind, bucket, start_d, end_d, head_day, head_from, tail_day, tail_to). */
function piecesSql(params: Params, pieces: readonly Piece[]): string {
  const column = <T>(f: (p: Piece) => T, type: string) => `${params.add(pieces.map(f))}::${type}[]`;
  return `SELECT * FROM unnest(${column((p) => p.kind, 'text')}, ${column((p) => p.bucket, 'timestamptz')}, ${column((p) => p.startDay, 'date')}, ${column((p) => p.endDay, 'date')},
      ${column((p) => p.head?.day ?? null, 'date')}, ${column((p) => p.head?.from ?? null, 'timestamptz')}, ${column((p) => p.tail?.day ?? null, 'date')}, ${column((p) => p.tail?.to ?? null, 'timestamptz')})
      AS p(kind, bucket, start_d, end_d, head_day, head_from, tail_day, tail_to)`;
}

/**
 * Who was active in each piece of CTE `pieces` (kind, bucket, role, who, person_id, first_day; a person may appear
 * more than once: the caller groups): the year rows whose bits in the piece's whole days are not all 0, and the day
 * rows of its partial days active after its start or before its end. `people`, a SELECT of person ids, narrows it
 * (a team filter: its people's rows, through their index).
 */
function presenceSql(org: string, people: string | null): string {
  const only = (alias: string) => (people ? `AND ${alias}.person_id IN (${people})` : '');
  return `
      SELECT p.kind, p.bucket, y.role, y.who, y.person_id, b.lo + b.pos - 1 AS first_day
      FROM pieces p
      JOIN rollup_adoption_years y ON p.start_d < p.end_d AND y.org_id = ${org} AND y.year >= date_trunc('year', p.start_d::timestamp)::date AND y.year < p.end_d ${only('y')}
      CROSS JOIN LATERAL (
        SELECT r.lo, position(B'1' IN substring(y.days FROM r.lo - y.year + 1 FOR r.hi - r.lo)) AS pos
        FROM (SELECT greatest(p.start_d, y.year) AS lo, least(p.end_d, (y.year + interval '1 year')::date) AS hi) r
      ) b
      WHERE b.pos > 0
      UNION ALL
      SELECT p.kind, p.bucket, d.role, d.who, d.person_id, d.day
      FROM pieces p JOIN rollup_adoption_days d ON d.org_id = ${org} AND d.day = p.head_day AND d.last_at >= p.head_from ${only('d')}
      UNION ALL
      SELECT p.kind, p.bucket, d.role, d.who, d.person_id, d.day
      FROM pieces p JOIN rollup_adoption_days d ON d.org_id = ${org} AND d.day = p.tail_day AND d.first_at < p.tail_to ${only('d')}`;
}

/**
 * Distinct engineers and agent users per (kind, bucket, dim) of CTE `present`, and the first day of agent use. `team`:
 * null for one dim (NULL), else the dim is each team of the person (LEFT JOIN team_members), `none` for people in none.
 */
function presentCountsSql(org: string, team: { none: string } | null): string {
  const dim = team ? `COALESCE(tm.team_key, '${team.none}')` : 'NULL::text';
  const join = team ? `LEFT JOIN team_members tm ON tm.org_id = ${org} AND tm.person_id = x.person_id` : '';
  return `
      SELECT x.kind, x.bucket, ${dim} AS dim, count(DISTINCT x.who) FILTER (WHERE x.role = 'engineer')::int AS engineers,
             count(DISTINCT x.who) FILTER (WHERE x.role = 'agent_user')::int AS users, min(x.first_day) FILTER (WHERE x.role = 'agent_user') AS first_use
      FROM present x ${join}
      GROUP BY 1, 2, 3`;
}

/**
 * Recomputes the adoption rollup for the dirty (team, day) keys of `adoption`, in the caller's transaction: the days
 * whose activity changed (team '') from the domain rows, then their bits in the year rows; then every day, week and
 * month holding a key, and the reach of the teams whose weeks changed.
 */
export async function refreshAdoption(sql: RollupSql, orgId: string, keys: ReadonlyArray<{ team: string; day: Date }>): Promise<void> {
  const activityDays = [...new Set(keys.filter((k) => k.team === '').map((k) => isoDay(k.day)))].sort();
  if (activityDays.length > 0) {
    await sql(...refreshDaysSql(orgId, activityDays));
    await sql(...refreshYearsSql(orgId, activityDays));
  }
  const changed = (await sql(...refreshBucketsSql(orgId, [...new Set(keys.map((k) => isoDay(k.day)))]))) as Array<{ slice: string; team: string }>;
  if (changed.length === 0) return;
  const [dims, params] = reachDimsSql(orgId, changed);
  await sql(`DELETE FROM rollup_adoption_reach r USING (${dims}) d WHERE r.org_id = $1 AND r.slice = d.slice AND r.team = d.team`, params);
  await sql(
    `INSERT INTO rollup_adoption_reach (org_id, slice, team, first_use, reached)
     SELECT $1, d.slice, d.team, min(w.first_use), min(w.day) FILTER (WHERE w.engineers > 0 AND w.users >= ${ADOPTION_TARGET} * w.engineers)
     FROM (${dims}) d JOIN rollup_adoption w ON w.org_id = $1 AND w.slice = d.slice AND w.grain = 'week' AND w.team = d.team
     GROUP BY d.slice, d.team`,
    params,
  );
}

/** The adoption rollup's tables (distinct counts: not in ROLLUP_TABLES, whose rows are sums). */
export const ADOPTION_ROLLUP_TABLES = ['rollup_adoption_days', 'rollup_adoption_years', 'rollup_adoption', 'rollup_adoption_reach'] as const;

/** Marks every day of the org's activity dirty (`rollups rebuild`), after emptying its rollup rows. */
export async function markAdoptionRebuild(sql: RollupSql, orgId: string): Promise<void> {
  for (const table of ADOPTION_ROLLUP_TABLES) await sql(`DELETE FROM ${table} WHERE org_id = $1`, [orgId]);
  await sql(`INSERT INTO rollup_dirty (org_id, rollup, team, day) SELECT $1::uuid, 'adoption', '', d.day FROM rollup_adoption_activity_days($1::uuid) d(day)`, [orgId]);
}

/** Contiguous runs of days as [start, end) instants. */
function runsOf(days: readonly string[]): Array<{ start: Date; end: Date }> {
  const runs: Array<{ start: Date; end: Date }> = [];
  for (const day of days) {
    const start = new Date(`${day}T00:00:00Z`);
    const last = runs[runs.length - 1];
    if (last && last.end.getTime() === start.getTime()) last.end = new Date(start.getTime() + DAY_MS);
    else runs.push({ start, end: new Date(start.getTime() + DAY_MS) });
  }
  return runs;
}

/**
 * The days' rows from the domain rows: each run of days is an index range on the time of commits, PRs, reviews and
 * sessions (OR of ranges: a bitmap scan each). Rows that left are deleted, rows that changed are written; others are
 * not touched.
 */
function refreshDaysSql(orgId: string, days: readonly string[]): [string, unknown[]] {
  const params = new Params();
  const org = params.add(orgId);
  const runs = runsOf(days).map((r) => [params.add(r.start), params.add(r.end)]);
  const within = (column: string) => `(${runs.map(([s, e]) => `(${column} >= ${s}::timestamptz AND ${column} < ${e}::timestamptz)`).join(' OR ')})`;
  const dayList = params.add(days);
  const text = `
    WITH ${actorPeopleCte(org)}, ${sessionPeopleCte(org, `AND ${within('s.started_at')}`)},
    ${adoptionActivityCte(org, within)},
    fresh AS MATERIALIZED (
      SELECT (a.at AT TIME ZONE 'UTC')::date AS day, a.role, a.who, a.person_id, min(a.at) AS first_at, max(a.at) AS last_at
      FROM activity a GROUP BY 1, 2, 3, 4
    ),
    gone AS (
      DELETE FROM rollup_adoption_days d WHERE d.org_id = ${org} AND d.day = ANY(${dayList}::date[])
        AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.day = d.day AND f.role = d.role AND f.who = d.who)
    )
    INSERT INTO rollup_adoption_days AS d (org_id, day, role, who, person_id, first_at, last_at)
    SELECT ${org}, f.day, f.role, f.who, f.person_id, f.first_at, f.last_at FROM fresh f
    ON CONFLICT (org_id, day, role, who) DO UPDATE SET person_id = EXCLUDED.person_id, first_at = EXCLUDED.first_at, last_at = EXCLUDED.last_at
    WHERE (d.person_id, d.first_at, d.last_at) IS DISTINCT FROM (EXCLUDED.person_id, EXCLUDED.first_at, EXCLUDED.last_at)`;
  return [text, params.values];
}

const ZERO = `B'0'::bit(366)`;
const yearOf = (day: string) => `date_trunc('year', ${day}::timestamp)::date`;
const bitOf = (day: string, year: string) => `(B'1'::bit(366) >> (${day} - ${year}))`;

/**
 * The year rows of the people active (before or now) on the days: their bits of those days replaced by the days'
 * rows, their other days' bits kept.
 */
function refreshYearsSql(orgId: string, days: readonly string[]): [string, unknown[]] {
  const params = new Params();
  const org = params.add(orgId);
  const dayList = params.add(days);
  const text = `
    WITH masks AS (
      SELECT ${yearOf('d.day')} AS year, bit_or(${bitOf('d.day', yearOf('d.day'))}) AS bits FROM unnest(${dayList}::date[]) AS d(day) GROUP BY 1
    ),
    fresh AS (
      SELECT ${yearOf('a.day')} AS year, a.role, a.who, a.person_id, bit_or(${bitOf('a.day', yearOf('a.day'))}) AS bits
      FROM rollup_adoption_days a WHERE a.org_id = ${org} AND a.day = ANY(${dayList}::date[]) GROUP BY 1, 2, 3, 4
    ),
    current AS (
      SELECT y.year, y.role, y.who, y.person_id, y.days FROM rollup_adoption_years y JOIN masks m ON m.year = y.year
      WHERE y.org_id = ${org} AND ((y.days & m.bits) <> ${ZERO} OR (y.role, y.who) IN (SELECT f.role, f.who FROM fresh f WHERE f.year = y.year))
    ),
    next AS MATERIALIZED (
      SELECT year, role, who, COALESCE(f.person_id, c.person_id) AS person_id, (COALESCE(c.days, ${ZERO}) & ~m.bits) | COALESCE(f.bits, ${ZERO}) AS days
      FROM current c FULL JOIN fresh f USING (year, role, who) JOIN masks m USING (year)
    ),
    gone AS (
      DELETE FROM rollup_adoption_years y USING next n
      WHERE y.org_id = ${org} AND y.year = n.year AND y.role = n.role AND y.who = n.who AND n.days = ${ZERO}
    )
    INSERT INTO rollup_adoption_years AS y (org_id, year, role, who, person_id, days)
    SELECT ${org}, n.year, n.role, n.who, n.person_id, n.days FROM next n WHERE n.days <> ${ZERO}
    ON CONFLICT (org_id, year, role, who) DO UPDATE SET days = EXCLUDED.days WHERE y.days <> EXCLUDED.days`;
  return [text, params.values];
}

/**
 * The rows of every day, week and month holding one of the days, both slices, from the year rows (people without a
 * team and unknown keys: team ''). Returns the (slice, team) whose week rows changed.
 */
function refreshBucketsSql(orgId: string, days: readonly string[]): [string, unknown[]] {
  const buckets = new Map<string, Piece>();
  for (const day of days) {
    for (const grain of ['day', 'week', 'month'] as const) {
      const start = bucketStart(new Date(`${day}T00:00:00Z`), grain);
      buckets.set(`${grain}|${start.toISOString()}`, { kind: grain, bucket: start, startDay: isoDay(start), endDay: isoDay(nextBucket(start, grain)), head: null, tail: null });
    }
  }
  const params = new Params();
  const org = params.add(orgId);
  const text = `
    WITH pieces AS (${piecesSql(params, [...buckets.values()])}),
    present AS MATERIALIZED (${presenceSql(org, null)}),
    fresh AS MATERIALIZED (
      SELECT kind AS grain, bucket AS day, 'org' AS slice, '' AS team, engineers, users, first_use FROM (${presentCountsSql(org, null)}) o
      UNION ALL
      SELECT kind, bucket, 'team', dim, engineers, users, first_use FROM (${presentCountsSql(org, { none: '' })}) t
    ),
    gone AS (
      DELETE FROM rollup_adoption r USING pieces p
      WHERE r.org_id = ${org} AND r.slice IN ('org', 'team') AND r.grain = p.kind AND r.day = p.bucket
        AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.grain = r.grain AND f.day = r.day AND f.slice = r.slice AND f.team = r.team)
      RETURNING r.grain, r.slice, r.team
    ),
    written AS (
      INSERT INTO rollup_adoption AS r (org_id, slice, grain, day, team, engineers, users, first_use)
      SELECT ${org}, f.slice, f.grain, f.day, f.team, f.engineers, f.users, f.first_use FROM fresh f
      ON CONFLICT (org_id, slice, grain, day, team) DO UPDATE SET engineers = EXCLUDED.engineers, users = EXCLUDED.users, first_use = EXCLUDED.first_use
      WHERE (r.engineers, r.users, r.first_use) IS DISTINCT FROM (EXCLUDED.engineers, EXCLUDED.users, EXCLUDED.first_use)
      RETURNING r.grain, r.slice, r.team
    )
    SELECT DISTINCT slice, team FROM (SELECT * FROM gone UNION ALL SELECT * FROM written) w WHERE w.grain = 'week'`;
  return [text, params.values];
}

/** The (slice, team)s whose weeks changed, as a SELECT on $2, $3: their reach (first use, first week at the target) is recomputed from all their weeks. */
function reachDimsSql(orgId: string, dims: ReadonlyArray<{ slice: string; team: string }>): [string, unknown[]] {
  return [`SELECT * FROM unnest($2::text[], $3::text[]) AS d(slice, team)`, [orgId, dims.map((d) => d.slice), dims.map((d) => d.team)]];
}

/**
 * adoption from the rollup, the rows of its exact SQL (families/adoption.sql.ts) or null (agent or model filters,
 * a period inside one day cut at both ends). Whole buckets are `rollup_adoption` rows; the buckets cut by the
 * period, and the week holding an unaligned `to` (the exact SQL's weekly rates stop at `to`), count who the year and
 * day rows say was active in them. daysTo50: a dim's first week reaching the target before the week of `to` is its
 * reach row's (the earliest of all its weeks, when earlier), else that partial week if it reaches it. With a team
 * filter every bucket and week counts its people's rows (a team's few people: index lookups).
 */
export function adoptionRollupSql(plan: MetricPlan): SqlQuery | null {
  const team = plan.filters.team;
  if (plan.filters.agent !== undefined || plan.filters.model !== undefined || team === '') return null;
  if (plan.groupBy !== null && plan.groupBy !== 'team') return null;
  const interval = plan.interval ?? 'day';
  const byTeam = plan.groupBy === 'team';
  const params = new Params();
  const org = params.add(plan.orgId);
  const whole: Date[] = [];
  const pieces: Array<Piece | null> = [];
  for (const bucket of interval === 'period' ? [plan.from] : bucketsOf(plan.from, plan.to, interval)) {
    const end = interval === 'period' ? plan.to : nextBucket(bucket, interval);
    if (team === undefined && interval !== 'period' && bucket >= plan.from && end <= plan.to) whole.push(bucket);
    else pieces.push(pieceOf('cell', bucket, bucket > plan.from ? bucket : plan.from, end < plan.to ? end : plan.to));
  }
  const toWeek = bucketStart(plan.to, 'week');
  if (toWeek < plan.to) pieces.push(pieceOf('week', toWeek, toWeek, plan.to));
  if (pieces.some((p) => p === null)) return null;

  const target = `${ADOPTION_TARGET}`;
  const [from, to, toWeekParam] = [params.add(plan.from), params.add(plan.to), params.add(toWeek)];
  const teamParam = team !== undefined ? params.add(team) : null;
  const pieceRows = piecesSql(params, pieces as Piece[]);
  const counts = presentCountsSql(org, byTeam ? { none: '(none)' } : null);
  let ctes: string;
  if (teamParam === null) {
    const slice = byTeam ? `'team'` : `'org'`;
    const dim = byTeam ? `CASE WHEN r.team = '' THEN '(none)' ELSE r.team END` : 'NULL::text';
    ctes = `
      pieces AS (${pieceRows}),
      present AS (${presenceSql(org, null)}),
      counted AS (${counts}),
      cells AS (
        SELECT r.day AS bucket, ${dim} AS dim, r.engineers, r.users FROM rollup_adoption r
        WHERE r.org_id = ${org} AND r.slice = ${slice} AND r.grain = ${params.add(interval)} AND r.day = ANY(${params.add(whole)}::timestamptz[])
        UNION ALL
        SELECT c.bucket, c.dim, c.engineers, c.users FROM counted c WHERE c.kind = 'cell'
      ),
      reached AS (
        SELECT r.dim, r.first_use,
               CASE WHEN r.reached < ${toWeekParam} THEN r.reached WHEN w.engineers > 0 AND w.users >= ${target} * w.engineers THEN w.bucket END AS week
        FROM (SELECT ${dim} AS dim, r.first_use, r.reached FROM rollup_adoption_reach r WHERE r.org_id = ${org} AND r.slice = ${slice} AND r.first_use IS NOT NULL) r
        LEFT JOIN counted w ON w.kind = 'week' AND COALESCE(w.dim, '') = COALESCE(r.dim, '')
      )`;
  } else {
    // Every week before the week of `to`, from the first year the team's people were active.
    const weeks = `SELECT 'week', w AT TIME ZONE 'UTC', w::date, (w + interval '7 days')::date, NULL::date, NULL::timestamptz, NULL::date, NULL::timestamptz
        FROM (SELECT min(y.year) AS first FROM rollup_adoption_years y WHERE y.org_id = ${org} AND y.person_id IN (SELECT person_id FROM team_people)) span
        CROSS JOIN LATERAL generate_series(date_trunc('week', span.first::timestamp), (${toWeekParam}::timestamptz AT TIME ZONE 'UTC') - interval '7 days', interval '7 days') AS g(w)`;
    ctes = `
      team_people AS (SELECT tm.person_id FROM team_members tm WHERE tm.org_id = ${org} AND tm.team_key = ${teamParam}),
      pieces AS (${pieceRows} UNION ALL ${weeks}),
      present AS (${presenceSql(org, 'SELECT person_id FROM team_people')}),
      counted AS (${counts}),
      cells AS (SELECT c.bucket, c.dim, c.engineers, c.users FROM counted c WHERE c.kind = 'cell'),
      weekly AS (SELECT c.bucket AS week, c.dim, c.engineers, c.users, c.first_use FROM counted c WHERE c.kind = 'week'),
      reached AS (
        SELECT f.dim, f.first_use, min(w.week) AS week
        FROM (SELECT dim, min(first_use) AS first_use FROM weekly WHERE first_use IS NOT NULL GROUP BY dim) f
        JOIN weekly w ON COALESCE(w.dim, '') = COALESCE(f.dim, '') AND w.engineers > 0 AND w.users >= ${target} * w.engineers
        GROUP BY f.dim, f.first_use
      )`;
  }
  return {
    text: `
      WITH ${ctes},
      marks AS (
        SELECT ${plan.bucket('r.week')} AS bucket, r.dim, ((r.week AT TIME ZONE 'UTC')::date + 7) - r.first_use AS days
        FROM reached r WHERE r.week >= ${from} AND r.week < ${to}
      )
      SELECT COALESCE(c.bucket, m.bucket) AS bucket, COALESCE(c.dim, m.dim) AS dim, COALESCE(c.engineers, 0) AS n,
             COALESCE(c.users, 0) AS "activeAgentUsers", COALESCE(c.engineers, 0) AS "activeEngineers",
             c.users::float8 / NULLIF(c.engineers, 0) AS "adoptionRate",
             m.days AS "daysTo50"
      FROM cells c
      FULL JOIN marks m ON m.bucket = c.bucket AND COALESCE(m.dim, '') = COALESCE(c.dim, '')`,
    params: params.values,
  };
}
