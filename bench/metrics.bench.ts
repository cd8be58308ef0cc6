import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { generateEvents, writeRawEvents } from './generator';
import { createBenchDatabase, ORG, percentile, ROOT, startServer, type ServerProcess } from './server-process';

/**
 * The metrics benchmark (issue 6 speed, issue 9): load N raw events with the generator (bulk), process them with
 * the server's pipeline worker, then time the metrics API over HTTP, from the rollups and from the domain tables
 * (`compute=exact`) in the same run, interleaved. Reports p50/p95 per request shape, the ratio, the pipeline's
 * throughput and the server's peak RSS. Runs on a database of its own on the PostgreSQL at --admin-url, dropped
 * at the end. Usage: npm run bench -- [--events 200000] [--requests 20 (0: pipeline only)] [--pipeline-minutes 30] [--admin-url postgres://…]
 * [--keep (do not drop the database)] [--database postgres://… (time the requests on a kept database: no load, no
 * pipeline; the server migrates it first)] [--metrics dora,pr-cycle (only these metrics' requests)] [--end 2025-08-25 (the
 * Monday the requests' periods end on; default the history's end, 2026-05-04)]
 */
const ADMIN_TOKEN = `bench-admin-${randomBytes(12).toString('hex')}`;

interface Shape {
  metric: string;
  query: string;
}

/** The generated history ends on 2026-05-04 (a Monday). */
const HISTORY_END = '2026-05-04';

/**
 * Dashboard-like requests, aligned and not, over the 26 weeks before `end` (a Monday: the history's end, or
 * `--end` for a database processed only up to some day): 12 weeks by week, with `compare=previous`, 26 weeks by
 * month by team or repo, 12 weeks by day with ends cut mid-day.
 */
function shapes(end: string): Shape[] {
  const at = (days: number, time = '') => {
    const d = new Date(Date.parse(`${end}T00:00:00Z`) + days * 86_400_000).toISOString();
    return time ? `${d.slice(0, 10)}T${time}Z` : d.slice(0, 10);
  };
  const weeks12 = `from=${at(-84)}&to=${end}`;
  return ['experiment-throughput', 'insight-to-evidence', 'decision-mix', 'dora', 'pr-cycle', 'agent-assisted-prs', 'adoption', 'agent-quality', 'agent-cost'].flatMap((metric) => [
    { metric, query: `${weeks12}&interval=week` },
    { metric, query: `${weeks12}&interval=week&compare=previous` },
    { metric, query: `from=${at(-182)}&to=${end}&interval=month&groupBy=${['dora', 'pr-cycle', 'agent-assisted-prs'].includes(metric) ? 'repo' : 'team'}` },
    // The Agents page's views: by agent, and by model for the families that split sessions by model.
    ...(['agent-assisted-prs', 'agent-quality', 'agent-cost'].includes(metric) ? [{ metric, query: `${weeks12}&interval=week&groupBy=agent` }] : []),
    ...(['agent-quality', 'agent-cost'].includes(metric) ? [{ metric, query: `${weeks12}&interval=week&groupBy=model` }] : []),
    { metric, query: `from=${at(-85, '13:00:00')}&to=${at(-3, '17:30:00')}&interval=day` },
  ]);
}

/** The built server on the bench's database, with its pipeline worker on or off. */
function startBenchServer(databaseUrl: string, worker: boolean): Promise<ServerProcess> {
  return startServer({ DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: '4', LOOPMETER_ADMIN_TOKEN: ADMIN_TOKEN, PIPELINE_WORKER: worker ? 'on' : 'off', DATA_DIR: join(ROOT, 'bench/results/data') });
}

async function timed(url: string): Promise<{ ms: number; computedFrom: string }> {
  const started = process.hrtime.bigint();
  const response = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const body = (await response.json()) as { computedFrom?: string; message?: string };
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (!response.ok) throw new Error(`${url} → ${response.status}: ${body.message ?? ''}`);
  return { ms, computedFrom: body.computedFrom ?? '?' };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '200000' },
      seed: { type: 'string', default: '1' },
      requests: { type: 'string', default: '20' },
      'admin-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
      'pipeline-minutes': { type: 'string', default: '30' },
      keep: { type: 'boolean', default: false },
      // An existing database that a run kept (`--keep`): no load, no pipeline, only the requests. Never dropped.
      database: { type: 'string' },
      // Only the request shapes of these metrics (comma-separated).
      metrics: { type: 'string' },
      // The Monday the requests' periods end on (default: the generated history's end).
      end: { type: 'string', default: HISTORY_END },
    },
  });
  const events = Number(values.events);
  const requests = Number(values.requests);
  const reuse = values.database;
  const bench = reuse ? null : await createBenchDatabase(values['admin-url']!);
  const dbUrl = reuse ? new URL(reuse) : bench!.url;
  const result: Record<string, unknown> = { command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(), events, database: reuse ? 'PostgreSQL (a kept database)' : 'PostgreSQL (own database)', startedAt: new Date().toISOString() };
  const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
  let server: ServerProcess | undefined;
  try {
    if (!reuse) {
      await loadAndProcess(dbUrl, events, Number(values.seed), Number(values['pipeline-minutes']), result, log);
    } else {
      await refreshDirtyRollups(dbUrl, result, log);
    }
    // The requests are timed on a server without a worker, so no batch dirties the rollups while they run.
    server = await startBenchServer(dbUrl.toString(), false);

    // 3. The metrics API: rollups against the domain tables, interleaved request by request (`--requests 0`: pipeline only).
    const rows: Array<Record<string, unknown>> = [];
    const only = values.metrics?.split(',');
    for (const shape of requests > 0 ? shapes(values.end!).filter((x) => !only || only.includes(x.metric)) : []) {
      const base = `${server.url}/api/metrics/${shape.metric}?${shape.query}`;
      const times = { rollups: [] as number[], exact: [] as number[] };
      let from = '';
      for (let i = 0; i < 2; i++) await Promise.all([timed(base), timed(`${base}&compute=exact`)].map((p) => p.catch(() => undefined)));
      for (let i = 0; i < requests; i++) {
        const fast = await timed(base);
        from = fast.computedFrom;
        times.rollups.push(fast.ms);
        times.exact.push((await timed(`${base}&compute=exact`)).ms);
      }
      const stat = (xs: number[]) => {
        const sorted = [...xs].sort((a, b) => a - b);
        return { p50: +percentile(sorted, 0.5).toFixed(2), p95: +percentile(sorted, 0.95).toFixed(2) };
      };
      const r = stat(times.rollups);
      const e = stat(times.exact);
      rows.push({ metric: shape.metric, query: shape.query, computedFrom: from, rollups: r, exact: e, ratioP50: +(e.p50 / r.p50).toFixed(1), ratioP95: +(e.p95 / r.p95).toFixed(1) });
      log(`${shape.metric}?${shape.query}: rollups p50 ${r.p50} p95 ${r.p95} ms; exact p50 ${e.p50} p95 ${e.p95} ms; ×${(e.p50 / r.p50).toFixed(1)}`);
    }
    result.metrics = { requestsPerShape: requests, shapes: rows };
    result.peakServerRssMb = server.peakRssMb();
    result.benchPeakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  } finally {
    await server?.stop();
    if (bench && !values.keep) await bench.drop();
    else await bench?.admin.end();
  }
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `metrics-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.stderr.write(`[bench] written to ${file}\n`);
}

/**
 * A kept database migrated by a newer build may hold rollup keys to compute (a migration that adds a rollup marks
 * every day of it): the server's worker recomputes them when its queue is empty. Timed, so the cost of adding a
 * rollup to a large org is known.
 */
async function refreshDirtyRollups(dbUrl: URL, result: Record<string, unknown>, log: (s: string) => void): Promise<void> {
  const server = await startBenchServer(dbUrl.toString(), true);
  const db = new Client({ connectionString: dbUrl.toString() });
  await db.connect();
  try {
    const started = Date.now();
    const count = async () => (await db.query(`SELECT count(DISTINCT (rollup, day))::int AS n FROM rollup_dirty`)).rows[0].n as number;
    const keys = await count();
    if (keys === 0) return;
    log(`${keys} dirty rollup keys: refreshing them with the server's worker`);
    while ((await count()) > 0) await new Promise((r) => setTimeout(r, 2_000));
    result.dirtyRollupRefresh = { keys, seconds: (Date.now() - started) / 1000, peakServerRssMb: server.peakRssMb() };
    log(`refreshed ${keys} rollup keys in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await db.end();
    await server.stop();
  }
}

/** Steps 1 and 2 of a run: migrate, bulk-load N generated raw events, let the server's worker process them. */
async function loadAndProcess(dbUrl: URL, events: number, seed: number, pipelineMinutes: number, result: Record<string, unknown>, log: (s: string) => void): Promise<void> {
  // 1. Migrate (the server does it at start), then bulk-load the raw store with the server's worker off.
  let server = await startBenchServer(dbUrl.toString(), false);
  await server.stop();
  const db = new Client({ connectionString: dbUrl.toString() });
  await db.connect();
  let started = Date.now();
  const written = await writeRawEvents((t, p) => db.query(t, p).then((r) => r.rows as Array<Record<string, unknown>>), generateEvents({ seed, scale: events }), {
    orgId: ORG,
    integrationIds: { github: '6f0c6f7e-5b7a-4d0e-9b1e-1a2b3c4d5e6f', linear: '7a1d2e3f-4b5c-4d6e-8f70-8192a3b4c5d6' },
    onProgress: (n) => n % 100_000 < 1_000 && log(`${n} raw events written`),
  });
  const loadSeconds = (Date.now() - started) / 1000;
  result.load = { rawEvents: written, seconds: loadSeconds, perSecond: Math.round(written / loadSeconds), note: 'generation and multi-row INSERT of ≤ 1,000 rows, one process' };
  log(`loaded ${written} raw events in ${loadSeconds.toFixed(1)} s`);

  // 2. The pipeline: the server's worker processes the raw store; raw events normalized and projected per second.
  server = await startBenchServer(dbUrl.toString(), true);
  try {
    started = Date.now();
    const deadline = started + pipelineMinutes * 60_000;
    let pending = written;
    // With the server's resident memory at each poll: loading more must not make it grow.
    const progress: Array<{ s: number; done: number; rssMb: number }> = [];
    let countMs = 0;
    while (pending > 0 && Date.now() < deadline) {
      // Polled every second (at thousands of events per second a coarser poll would hide most of the run), but never
      // more than a tenth of the time: counting a million pending rows takes a second of the database's CPU.
      await new Promise((r) => setTimeout(r, Math.max(1_000, 10 * countMs)));
      const countStarted = Date.now();
      pending = (await db.query(`SELECT count(*)::int AS n FROM raw_events WHERE status = 'pending'`)).rows[0].n as number;
      countMs = Date.now() - countStarted;
      progress.push({ s: Math.round((Date.now() - started) / 1000), done: written - pending, rssMb: server.rssMb() });
      if (progress.length % 5 === 0 || pending === 0) log(`pipeline: ${written - pending}/${written}, server RSS ${server.rssMb()} MB`);
    }
    const pipelineSeconds = (Date.now() - started) / 1000;
    const statuses = (await db.query(`SELECT status, count(*)::int AS n FROM raw_events GROUP BY 1 ORDER BY 1`)).rows;
    const domain = (await db.query(`SELECT (SELECT count(*) FROM experiments)::int AS experiments, (SELECT count(*) FROM pull_requests)::int AS pull_requests, (SELECT count(*) FROM deployments)::int AS deployments,
      (SELECT count(*) FROM agent_sessions)::int AS agent_sessions, (SELECT count(*) FROM rollup_experiments_evidence)::int + (SELECT count(*) FROM rollup_experiments_insight)::int + (SELECT count(*) FROM rollup_deployments)::int + (SELECT count(*) FROM rollup_pull_requests)::int + (SELECT count(*) FROM rollup_assisted_prs)::int AS rollup_rows`)).rows[0];
    result.pipeline = { processed: written - pending, seconds: pipelineSeconds, perSecond: Math.round((written - pending) / pipelineSeconds), finished: pending === 0, statuses, progress, domain, peakServerRssMb: server.peakRssMb() };
    log(`pipeline: ${written - pending} in ${pipelineSeconds.toFixed(0)} s; ${JSON.stringify(domain)}`);
    await db.end();
    if (pending > 0) log('the pipeline did not finish in time: the metrics below are on the part processed');
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
