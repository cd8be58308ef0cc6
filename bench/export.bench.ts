import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { createBenchDatabase, ORG, ROOT, rssSampler, startServer, type ServerProcess } from './server-process';

/**
 * The export benchmark (issue 9: "a million-row export streams in bounded memory"). On a database of its own at
 * --admin-url it fills `agent_runs` and the `agent_sessions` the export joins (team, person, model) with N runs,
 * set-based in SQL, then downloads `GET /api/export/agent-runs` as an admin, as CSV and as NDJSON, with a plain
 * HTTP client that counts rows and bytes and keeps nothing of the body. Each download runs on a freshly started
 * server (after a small warm-up export) whose peak RSS is reset just before it (`/proc/<pid>/clear_refs`) and
 * sampled during it. Reports rows, bytes, seconds, rows/s, server RSS before and peak during (and the peaks while
 * the first and the second half of the rows arrived), for each format and N, and the ratio of the RSS growth at the
 * largest N to the smallest: streaming means about 1×, not N×, and a second half that peaks no higher than the first.
 * Checks that the rows received, the rows in the table and the audit record's row count are all N.
 *
 * npm run bench:export -- [--rows 100000,1000000] [--runs-per-session 40] [--server-node-args=--max-old-space-size=64] [--admin-url postgres://…]
 */
const ADMIN_TOKEN = `bench-admin-${randomBytes(12).toString('hex')}`;
const log = (s: string) => process.stderr.write(`[export-bench] ${s}\n`);
const MB = 1024 * 1024;

/** The generated history: six months ending on the generator's last day (2026-05-04). */
const HISTORY_END = '2026-05-04T00:00:00Z';
const HISTORY_DAYS = 182;
const TEAMS = ['payments', 'search', 'checkout', 'identity', 'mobile-ios', 'mobile-android', 'platform', 'data', 'ml', 'growth', 'billing', 'support-tools',
  'infra', 'security', 'web', 'api', 'notifications', 'catalog', 'pricing', 'onboarding', 'analytics', 'design-system', 'sre', 'partners'];
/** Agent and model of a session, weighted like the generator's adoption (Claude Code most, Copilot least). */
const SESSION_MODELS: Array<[string, string]> = [
  ...Array<[string, string]>(9).fill(['claude-code', 'claude-sonnet-4-5']),
  ...Array<[string, string]>(3).fill(['claude-code', 'claude-opus-4-1']),
  ...Array<[string, string]>(4).fill(['codex', 'gpt-5-codex']),
  ...Array<[string, string]>(2).fill(['codex', 'gpt-5']),
  ...Array<[string, string]>(2).fill(['copilot', 'copilot-swe-agent']),
];

function sqlArray(values: string[]): string {
  return `ARRAY[${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(',')}]::text[]`;
}

/**
 * N runs in sessions of `perSession` runs (the last may be shorter), sessions spread over six months, 240 people
 * in 24 teams (3% of sessions without a team). Per run, from a hash of its number: a prompt first, then API
 * requests (3% errors), tool decisions (7% rejected) and tool results (5% failed), with tokens, cost and duration
 * where the agents report them; Claude Code's API requests name a model (15% the small one), others take the
 * session's. Deterministic: the same N gives the same rows.
 */
export async function fill(db: Client, n: number, perSession: number): Promise<{ sessions: number; seconds: number }> {
  const started = Date.now();
  const sessions = Math.ceil(n / perSession);
  await db.query('TRUNCATE agent_runs, agent_sessions');
  await db.query(
    `INSERT INTO agent_sessions (org_id, agent, session_id, person_key, person_source, team, team_source, model, started_at, ended_at, runs, raw_event_id)
     SELECT $1, (${sqlArray(SESSION_MODELS.map(([a]) => a))})[pick], md5('session-' || j)::uuid::text, 'dev' || person || '@acme.example', 'email',
       CASE WHEN h3 % 100 < 3 THEN NULL ELSE (${sqlArray(TEAMS)})[person % ${TEAMS.length} + 1] END,
       CASE WHEN h3 % 100 < 3 THEN NULL ELSE 'resource' END,
       (${sqlArray(SESSION_MODELS.map(([, m]) => m))})[pick], started, started + $3::int * interval '41 seconds' + interval '30 seconds',
       LEAST($3::int, $4::int - j * $3::int), j + 1
     FROM (
       SELECT j, h3, (h2 % 240)::int AS person, (h1 % ${SESSION_MODELS.length})::int + 1 AS pick,
         timestamptz '${HISTORY_END}' - interval '${HISTORY_DAYS} days' + ((j + (h3 % 1000) / 1000.0) / $2::int) * interval '${HISTORY_DAYS - 1} days' AS started
       FROM (SELECT j, abs(hashint8extended(j, 1)) AS h1, abs(hashint8extended(j, 2)) AS h2, abs(hashint8extended(j, 3)) AS h3 FROM generate_series(0, $2::int - 1) AS j) x
     ) s`,
    [ORG, sessions, perSession, n],
  );
  await db.query(
    `INSERT INTO agent_runs (org_id, agent, session_id, run_key, kind, at, model, input_tokens, output_tokens, cost_usd, cost_source, tool_name, outcome, error, duration_ms, raw_event_id)
     SELECT $1, s.agent, s.session_id, md5('run-' || i), kind,
       s.started_at + (i % $2::int) * interval '41 seconds' + (h % 30000) * interval '1 millisecond',
       CASE WHEN kind IN ('api_request', 'api_error') AND s.agent = 'claude-code' THEN CASE WHEN h % 100 < 15 THEN 'claude-haiku-4-5' ELSE s.model END END,
       CASE WHEN kind = 'api_request' THEN 1500 + h % 60000 ELSE 0 END,
       CASE WHEN kind = 'api_request' THEN 50 + (h / 7) % 4000 ELSE 0 END,
       CASE WHEN kind = 'api_request' THEN round((1500 + h % 60000) * 0.000003 + (50 + (h / 7) % 4000) * 0.000015, 6) END,
       CASE WHEN kind = 'api_request' THEN CASE WHEN s.agent = 'claude-code' THEN 'reported' ELSE 'computed' END END,
       CASE WHEN kind IN ('tool_decision', 'tool_result') THEN
         CASE s.agent WHEN 'claude-code' THEN (ARRAY['Bash','Edit','Read','Write','Grep','Glob'])[(h / 11) % 6 + 1]
                      WHEN 'codex' THEN 'shell'
                      ELSE (ARRAY['run_in_terminal','replace_string_in_file','read_file'])[(h / 11) % 3 + 1] END END,
       CASE kind WHEN 'api_request' THEN 'success' WHEN 'api_error' THEN 'error'
         WHEN 'tool_decision' THEN CASE WHEN (h / 13) % 100 < 7 THEN 'rejected' ELSE 'accepted' END
         WHEN 'tool_result' THEN CASE WHEN (h / 13) % 100 < 5 THEN 'error' ELSE 'success' END END,
       CASE WHEN kind = 'api_error' THEN 'overloaded_error' END,
       CASE WHEN kind IN ('api_request', 'api_error') THEN 600 + (h / 17) % 14000 + 0.25 WHEN kind = 'tool_result' THEN 20 + (h / 17) % 6000 END,
       i + 1
     FROM (
       SELECT i, h, CASE WHEN i % $2::int = 0 THEN 'user_prompt'
           WHEN h % 100 < 42 THEN 'api_request' WHEN h % 100 < 45 THEN 'api_error' WHEN h % 100 < 70 THEN 'tool_decision'
           WHEN h % 100 < 97 THEN 'tool_result' ELSE 'user_prompt' END AS kind
       FROM (SELECT i, abs(hashint8extended(i, 7)) AS h FROM generate_series(0, $3::int - 1) AS i) x
     ) r
     JOIN agent_sessions s ON s.org_id = $1 AND s.raw_event_id = r.i / $2::int + 1`,
    [ORG, perSession, n],
  );
  // Autovacuum is off on this PostgreSQL: give the planner the statistics a running one would have.
  await db.query('ANALYZE agent_runs, agent_sessions');
  return { sessions, seconds: (Date.now() - started) / 1000 };
}

interface Download {
  status: number;
  rows: number;
  bytes: number;
  seconds: number;
  firstByteSeconds: number;
  firstLine: string;
  lastLine: string;
  /** The server's RSS every second of the download: seconds from the start, MB received so far, RSS MB. */
  timeline: Array<[number, number, number]>;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/**
 * Downloads the export with node:http and counts lines and bytes as they arrive; only the first line and the tail
 * of the last chunk are kept (for the checks), never the body. Rows are the line breaks (no generated value has
 * one), less the CSV header.
 */
function download(base: string, query: string, pid: number | undefined, hooks: { onProgress?: (bytes: number) => void; halfway?: { lines: number; reached(): void } } = {}): Promise<Download> {
  const url = new URL(`/api/export/agent-runs?${query}`, base);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
      const firstByteSeconds = elapsed();
      let bytes = 0;
      let lines = 0;
      let head = '';
      let tail: Buffer = Buffer.alloc(0);
      const timeline: Array<[number, number, number]> = [];
      const timer = setInterval(() => {
        if (pid === undefined) return;
        timeline.push([Math.round(elapsed() * 10) / 10, Math.round(bytes / MB), Math.round(rssMb(pid))]);
        hooks.onProgress?.(bytes);
      }, 1_000);
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (head.length < 4096 && !head.includes('\n')) head += chunk.subarray(0, 4096).toString('utf8');
        for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
        if (hooks.halfway && lines >= hooks.halfway.lines) {
          hooks.halfway.reached();
          hooks.halfway = undefined;
        }
        tail = chunk.length >= 4096 ? chunk.subarray(chunk.length - 4096) : Buffer.concat([tail, chunk]).subarray(-4096);
      });
      res.on('end', () => {
        clearInterval(timer);
        const text = tail.toString('utf8').replace(/\r?\n$/, '');
        const csv = (res.headers['content-type'] ?? '').startsWith('text/csv');
        resolve({
          status: res.statusCode ?? 0,
          rows: lines - (csv ? 1 : 0),
          bytes,
          seconds: elapsed(),
          firstByteSeconds,
          firstLine: head.split(/\r?\n/)[0],
          lastLine: text.slice(text.lastIndexOf('\n') + 1),
          timeline,
        });
      });
      res.on('error', (error) => {
        clearInterval(timer);
        reject(error);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function lastExportAudit(base: string): Promise<{ rows?: number; completed?: boolean; format?: string; outcome: string } | undefined> {
  const res = await fetch(`${base}/api/audit?action=export.agent_runs&limit=1`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  if (!res.ok) throw new Error(`GET /api/audit → ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { items: Array<{ outcome: string; details: { rows?: number; completed?: boolean; format?: string } }> };
  const entry = body.items[0];
  return entry ? { ...entry.details, outcome: entry.outcome } : undefined;
}

/** Resets the process's peak RSS (VmHWM) to its current RSS (Linux ≥ 4.0), so the next peak is the download's. */
function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** The process's peak RSS since start or the last reset (kept by the kernel: no sample missed), MB. */
function peakRssMb(pid: number): number {
  return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

interface Measured {
  format: 'csv' | 'ndjson';
  rows: number;
  expectedRows: number;
  bytes: number;
  bodyMb: number;
  seconds: number;
  firstByteSeconds: number;
  rowsPerSecond: number;
  mbPerSecond: number;
  serverRssBeforeMb: number;
  serverRssPeakMb: number;
  serverRssGrowthMb: number;
  /** Peak RSS while the first half of the rows arrived, and while the second half did: equal when memory is bounded. */
  serverRssPeakFirstHalfMb: number;
  serverRssPeakSecondHalfMb: number;
  audit: { rows?: number; completed?: boolean; format?: string; outcome: string } | undefined;
  lastLine: string;
  timeline: Array<[number, number, number]>;
  warmUpRows: number;
  loadAverage: number[];
}

async function measure(databaseUrl: string, dataDir: string, format: 'csv' | 'ndjson', n: number, lastAt: string, nodeArgs: string[]): Promise<Measured> {
  const server: ServerProcess = await startServer({ DATABASE_URL: databaseUrl, LOOPMETER_ADMIN_TOKEN: ADMIN_TOKEN, PIPELINE_WORKER: 'off', DATA_DIR: dataDir }, nodeArgs);
  try {
    const pid = server.child.pid!;
    // Warm-up: the same route and format on a day near the end of the history (N / 180 rows), so the code is loaded and compiled.
    const warm = await download(server.url, `format=${format}&from=2026-05-01&to=2026-05-02`, undefined);
    if (warm.status !== 200) throw new Error(`warm-up export → ${warm.status}`);
    await new Promise((r) => setTimeout(r, 1_000));
    const before = rssMb(pid);
    resetPeakRss(pid);
    const sampler = rssSampler(pid);
    let lastLog = 0;
    let firstHalf = 0;
    const got = await download(server.url, `format=${format}`, pid, {
      onProgress: (bytes) => {
        if (Date.now() - lastLog > 10_000) {
          lastLog = Date.now();
          log(`  ${format} ${n}: ${Math.round(bytes / MB)} MB received, server RSS ${Math.round(rssMb(pid))} MB`);
        }
      },
      // Half the rows received (the CSV header is a line too): note the peak so far and start a new one.
      halfway: {
        lines: Math.ceil(n / 2) + (format === 'csv' ? 1 : 0),
        reached: () => {
          firstHalf = peakRssMb(pid);
          resetPeakRss(pid);
        },
      },
    });
    const secondHalf = peakRssMb(pid);
    const peakMb = Math.round(Math.max(firstHalf, secondHalf, sampler.peakMb()));
    sampler.stop();
    if (got.status !== 200) throw new Error(`export → ${got.status}`);
    const audit = await lastExportAudit(server.url);
    const header = 'run_id,timestamp,team,agent,model,run_kind,evaluator,check,outcome,score,session_id,person,tool_name,duration_ms,cost_usd,input_tokens,output_tokens';
    if (format === 'csv' && got.firstLine !== header) throw new Error(`unexpected CSV header: ${got.firstLine}`);
    const lastTimestamp = format === 'csv' ? got.lastLine.split(',')[1] : (JSON.parse(got.lastLine) as { timestamp: string }).timestamp;
    if (lastTimestamp !== lastAt) throw new Error(`the last row is at ${lastTimestamp}, the latest run at ${lastAt}`);
    if (got.rows !== n) throw new Error(`${format}: ${got.rows} rows received, ${n} in the table`);
    if (audit?.rows !== n || audit.completed !== true) throw new Error(`${format}: the audit record says ${JSON.stringify(audit)}, expected ${n} rows, completed`);
    const result: Measured = {
      format,
      rows: got.rows,
      expectedRows: n,
      bytes: got.bytes,
      bodyMb: Math.round((got.bytes / MB) * 10) / 10,
      seconds: Math.round(got.seconds * 100) / 100,
      firstByteSeconds: Math.round(got.firstByteSeconds * 1000) / 1000,
      rowsPerSecond: Math.round(got.rows / got.seconds),
      mbPerSecond: Math.round((got.bytes / MB / got.seconds) * 10) / 10,
      serverRssBeforeMb: Math.round(before),
      serverRssPeakMb: peakMb,
      serverRssGrowthMb: Math.round(peakMb - before),
      serverRssPeakFirstHalfMb: Math.round(firstHalf),
      serverRssPeakSecondHalfMb: Math.round(secondHalf),
      audit,
      lastLine: got.lastLine,
      timeline: got.timeline,
      warmUpRows: warm.rows,
      loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    };
    log(`${format} ${n}: ${result.rows} rows, ${result.bodyMb} MB in ${result.seconds} s (${result.rowsPerSecond} rows/s); server RSS ${result.serverRssBeforeMb} → peak ${result.serverRssPeakMb} MB (+${result.serverRssGrowthMb}; first half ${result.serverRssPeakFirstHalfMb}, second half ${result.serverRssPeakSecondHalfMb})`);
    return result;
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '100000,1000000' },
      'runs-per-session': { type: 'string', default: '40' },
      // e.g. `--server-node-args=--max-old-space-size=64`: how small a heap the export needs.
      'server-node-args': { type: 'string', default: '' },
      'admin-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    },
  });
  const sizes = values.rows!.split(',').map((s) => Number(s.replaceAll('_', ''))).sort((a, b) => a - b);
  if (sizes.some((x) => !Number.isInteger(x) || x < 1)) throw new Error(`--rows takes positive integers separated by commas, got ${values.rows}`);
  const perSession = Number(values['runs-per-session']);
  const nodeArgs = values['server-node-args']!.split(' ').filter(Boolean);
  const bench = await createBenchDatabase(values['admin-url']!);
  const dataDir = mkdtempSync(join(tmpdir(), 'loopmeter-export-bench-'));
  const result: Record<string, unknown> = {
    command: `npm run bench:export -- ${process.argv.slice(2).join(' ')}`.trim(),
    startedAt: new Date().toISOString(),
    database: 'PostgreSQL (own database)',
    sizes,
    runsPerSession: perSession,
    serverNodeArgs: nodeArgs,
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
  const runs: Array<Measured & { n: number }> = [];
  const fills: Record<string, unknown> = {};
  const db = new Client({ connectionString: bench.url.toString() });
  db.on('error', (error) => log(`database connection lost: ${error.message}`));
  try {
    // Migrations run at the server's start.
    const migrate = await startServer({ DATABASE_URL: bench.url.toString(), LOOPMETER_ADMIN_TOKEN: ADMIN_TOKEN, PIPELINE_WORKER: 'off', DATA_DIR: dataDir });
    await migrate.stop();
    await db.connect();
    for (const n of sizes) {
      const filled = await fill(db, n, perSession);
      const facts = (await db.query(`SELECT (SELECT count(*) FROM agent_runs)::int AS runs, (SELECT count(*) FROM agent_sessions)::int AS sessions,
          (SELECT count(DISTINCT team) FROM agent_sessions)::int AS teams, (SELECT min(at) FROM agent_runs) AS first, (SELECT max(at) FROM agent_runs) AS last,
          pg_total_relation_size('agent_runs') AS table_bytes`)).rows[0] as { runs: number; sessions: number; teams: number; first: Date; last: Date; table_bytes: string };
      if (facts.runs !== n) throw new Error(`filled ${facts.runs} runs, wanted ${n}`);
      const kinds = (await db.query(`SELECT kind, count(*)::int AS n FROM agent_runs GROUP BY 1 ORDER BY 1`)).rows;
      fills[n] = { ...filled, ...facts, tableMb: Math.round(Number(facts.table_bytes) / MB), kinds };
      log(`filled ${n} runs in ${filled.sessions} sessions (${facts.teams} teams, ${facts.first.toISOString()} … ${facts.last.toISOString()}) in ${filled.seconds.toFixed(1)} s`);
      for (const format of ['csv', 'ndjson'] as const) runs.push({ n, ...(await measure(bench.url.toString(), dataDir, format, n, facts.last.toISOString(), nodeArgs)) });
    }
  } finally {
    await db.end().catch(() => undefined);
    await bench.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const smallest = sizes[0];
  const largest = sizes[sizes.length - 1];
  const bounded: Record<string, unknown> = {};
  for (const format of ['csv', 'ndjson'] as const) {
    const small = runs.find((r) => r.format === format && r.n === smallest)!;
    const large = runs.find((r) => r.format === format && r.n === largest)!;
    bounded[format] = {
      rowsRatio: largest / smallest,
      rssGrowthMb: { [smallest]: small.serverRssGrowthMb, [largest]: large.serverRssGrowthMb },
      rssGrowthRatio: Math.round((large.serverRssGrowthMb / Math.max(1, small.serverRssGrowthMb)) * 100) / 100,
      bodyMb: { [smallest]: small.bodyMb, [largest]: large.bodyMb },
      peakFirstHalfVsSecondHalfMb: { [smallest]: [small.serverRssPeakFirstHalfMb, small.serverRssPeakSecondHalfMb], [largest]: [large.serverRssPeakFirstHalfMb, large.serverRssPeakSecondHalfMb] },
    };
  }
  Object.assign(result, { fills, runs, bounded, loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100), benchPeakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), finishedAt: new Date().toISOString() });
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `export-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  const table = runs.map((r) => `| ${r.n.toLocaleString('en')} | ${r.format} | ${r.rows.toLocaleString('en')} | ${r.bodyMb} MB | ${r.seconds} s | ${r.rowsPerSecond.toLocaleString('en')} | ${r.serverRssBeforeMb} → ${r.serverRssPeakMb} MB (+${r.serverRssGrowthMb}) | ${r.serverRssPeakFirstHalfMb} / ${r.serverRssPeakSecondHalfMb} MB |`);
  process.stdout.write(`| N | format | rows | body | seconds | rows/s | server RSS before → peak | peak, 1st / 2nd half of the rows |\n|---|---|---|---|---|---|---|---|\n${table.join('\n')}\n\n${JSON.stringify(bounded, null, 2)}\n`);
  log(`results in ${file}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
