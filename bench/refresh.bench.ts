import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';

/**
 * The rollup refresh of one batch, two builds side by side (issue 6): on a kept, processed database (`npm run bench --
 * --keep`), marks the (team, day) keys a pipeline batch dirties and times `refreshRollups` of each build on them, in a
 * transaction rolled back, the builds alternating. A batch of the generator's chronological bulk load holds about three
 * days of the org's events, so the keys are those of the experiments with an insight or evidence in three days (both
 * days of each), and the days of the production deployments and merged PRs of those days; each round takes another
 * three days. The connection has `jit = off`, as the server's pool; the rollup tables are vacuumed after each refresh.
 *
 * Usage: node bench/dist/refresh.bench.js --database postgres://…/lm_bench_… --old /path/to/old/server/dist --new server/dist [--rounds 6]
 * (a build is a `server/dist` folder, e.g. of a clean clone of an older commit built with `npx tsc -b`).
 */
type Refresh = (sql: (text: string, params: unknown[]) => Promise<unknown>, orgId: string) => Promise<unknown>;

const DAY_MS = 86_400_000;

function load(dist: string): Refresh {
  const require = createRequire(__filename);
  return (require(resolve(dist, 'metrics/rollups/refresh-rollups.js')) as { refreshRollups: Refresh }).refreshRollups;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { database: { type: 'string' }, old: { type: 'string' }, new: { type: 'string' }, rounds: { type: 'string', default: '6' } } });
  if (!values.database || !values.old || !values.new) throw new Error('--database, --old and --new are required (see the comment at the top of bench/refresh.bench.ts).');
  const builds = { old: load(values.old), new: load(values.new) };
  const db = new Client({ connectionString: values.database, options: '-c jit=off' });
  await db.connect();
  const org = (await db.query('SELECT org_id FROM experiments LIMIT 1')).rows[0].org_id as string;
  const start = new Date((await db.query(`SELECT min(insight_at) + interval '60 days' AS s FROM experiments`)).rows[0].s as string);
  const times: Record<'old' | 'new', number[]> = { old: [], new: [] };
  const day = (column: string) => `date_trunc('day', ${column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;
  for (let round = 0; round < Number(values.rounds); round++) {
    const range = [new Date(start.getTime() + round * 17 * DAY_MS), new Date(start.getTime() + (round * 17 + 3) * DAY_MS)];
    for (const side of round % 2 === 0 ? (['old', 'new'] as const) : (['new', 'old'] as const)) {
      await db.query('BEGIN');
      try {
        await db.query(
          `INSERT INTO rollup_dirty (org_id, rollup, team, day)
           SELECT DISTINCT e.org_id, 'experiments', COALESCE(e.team, ''), d.day FROM experiments e
           CROSS JOIN LATERAL (VALUES (${day('e.evidence_at')}), (${day('e.insight_at')})) d(day)
           WHERE d.day IS NOT NULL AND ((e.insight_at >= $1 AND e.insight_at < $2) OR (e.evidence_at >= $1 AND e.evidence_at < $2))`,
          range,
        );
        await db.query(
          `INSERT INTO rollup_dirty (org_id, rollup, day) SELECT DISTINCT org_id, 'deployments', ${day('succeeded_at')} FROM deployments
           WHERE environment_kind = 'production' AND succeeded_at >= $1 AND succeeded_at < $2`,
          range,
        );
        await db.query(`INSERT INTO rollup_dirty (org_id, rollup, day) SELECT DISTINCT org_id, 'prs', ${day('merged_at')} FROM pull_requests WHERE merged_at >= $1 AND merged_at < $2`, range);
        const keys = (await db.query('SELECT rollup, count(*)::int AS n FROM rollup_dirty GROUP BY 1 ORDER BY 1')).rows;
        const started = process.hrtime.bigint();
        await builds[side]((text, params) => db.query(text, params).then((r) => r.rows), org);
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        times[side].push(ms);
        process.stdout.write(`round ${round} ${side}: ${ms.toFixed(0)} ms, keys ${JSON.stringify(keys)}, load ${loadavg()[0].toFixed(2)}\n`);
      } finally {
        await db.query('ROLLBACK');
      }
      // The rolled-back rows are dead tuples the next refresh would step over (this PostgreSQL may run without autovacuum).
      await db.query(`VACUUM rollup_experiments_evidence, rollup_experiments_insight, rollup_deployments, rollup_pull_requests, rollup_assisted_prs, rollup_dirty`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  process.stdout.write(`median old ${median(times.old).toFixed(0)} ms, new ${median(times.new).toFixed(0)} ms: ${(median(times.old) / median(times.new)).toFixed(2)}×\n`);
  await db.end();
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
