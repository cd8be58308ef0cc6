import { fork, spawn } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { buildOrg, generateEvents } from './generator';
import { deploymentStatusPayload, personActor } from './generator/payloads';
import { createBenchDatabase, freePort, median, ORG, percentile, ROOT, rssSampler, startServer, type ServerProcess } from './server-process';

/**
 * The ingest benchmark (issue 9), each figure a ratio against a baseline measured in the same run, interleaved:
 *
 * 1. Webhooks with durable acknowledgement: signed GitHub deliveries from `--concurrency` senders (default 50) to
 *    the server, against a bare Node HTTP server doing one durable INSERT per request on the same database
 *    (bench/baseline-server.ts). Requests/s and p50/p99 latency. Goal: ≥ 2× the baseline, p99 < 50 ms.
 * 2. Bulk events: `POST /api/events` NDJSON (5,000 events a request, 4 in flight) against a raw `COPY` (psql
 *    `\copy`) of the same rows into a copy of raw_events. Events/s. Goal: ≥ 0.5×.
 * 3. Freshness: from a webhook's acknowledgement to the metric that includes it, idle and under a steady ingest
 *    stream of other deliveries (`--freshness-rate` a second), with the pipeline worker on. Goal: p95 ≤ 5 s.
 * 4. The same webhook and events load on the embedded PGlite, against the PostgreSQL figures: when to switch.
 * Peak RSS of every process. Runs on a database of its own at --admin-url, dropped at the end.
 *
 * npm run bench:ingest -- [--requests 20000] [--concurrency 50] [--rounds 2] [--events 200000] [--admin-url …] [--freshness-samples 40] [--freshness-rate 50] [--skip-pglite]
 *   [--only webhooks|events] [--no-cpu] [--server-node-args='--cpu-prof --cpu-prof-dir=/tmp/p'] [--variant name:KEY=VALUE,KEY=VALUE ...]
 */
const ADMIN_TOKEN = `bench-admin-${randomBytes(12).toString('hex')}`;
const log = (s: string) => process.stderr.write(`[ingest-bench] ${s}\n`);

interface Delivery {
  body: Buffer;
  event: string;
  signature: string;
}

interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: Record<string, number>;
}

/** CPU time (user + system, or system only) of a process so far, ms, from /proc (0 once it has exited). */
function processCpuMs(pid: number | undefined, systemOnly = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (((systemOnly ? 0 : Number(fields[11])) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return 0;
  }
}

/** PostgreSQL processes serving `database`, plus its shared background processes (WAL writer, checkpointer...). */
async function postgresPids(db: Client, database: string): Promise<number[]> {
  const rows = (await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 OR (datname IS NULL AND backend_type <> 'client backend')`, [database])).rows as Array<{ pid: number }>;
  return rows.map((r) => r.pid);
}

/** CPU ms spent per request during a load, by process: where the two shared cores go (see docs/benchmarks.md). */
interface CpuPerRequest {
  bench: number;
  target: number;
  /** Of `target`, the time in the kernel (socket reads and writes). */
  targetSystem: number;
  postgres: number;
  total: number;
  loadAvg1: number;
}

async function measuringCpu<T extends LoadResult>(db: Client | undefined, database: string, targetPid: number | undefined, load: () => Promise<T>): Promise<T & { cpuMsPerRequest?: CpuPerRequest }> {
  if (!db) return load();
  const pgBefore = new Map<number, number>();
  for (const pid of await postgresPids(db, database)) pgBefore.set(pid, processCpuMs(pid));
  const benchBefore = process.cpuUsage();
  const targetBefore = processCpuMs(targetPid);
  const targetSystemBefore = processCpuMs(targetPid, true);
  const result = await load();
  const targetSystem = processCpuMs(targetPid, true) - targetSystemBefore;
  const bench = process.cpuUsage(benchBefore);
  const target = processCpuMs(targetPid) - targetBefore;
  let postgres = 0;
  // Backends that connected during the load started from 0.
  for (const pid of await postgresPids(db, database)) postgres += processCpuMs(pid) - (pgBefore.get(pid) ?? 0);
  const per = (ms: number) => Math.round((ms / result.requests) * 1000) / 1000;
  const benchMs = (bench.user + bench.system) / 1000;
  return { ...result, cpuMsPerRequest: { bench: per(benchMs), target: per(target), targetSystem: per(targetSystem), postgres: per(postgres), total: per(benchMs + target + postgres), loadAvg1: Math.round(loadavg()[0] * 100) / 100 } };
}

/** POSTs with node:http on a keep-alive agent: far less client CPU than fetch, so the senders measure the server. */
function post(agent: Agent, url: URL, headers: Record<string, string>, body: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest({ agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/** `count` signed deliveries from `concurrency` senders, each waiting for its answer before the next. */
async function webhookLoad(base: string, path: string, deliveries: Delivery[], count: number, concurrency: number, tag: string): Promise<LoadResult> {
  const url = new URL(path, base);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let next = 0;
  const started = process.hrtime.bigint();
  const sender = async () => {
    for (let i = next++; i < count; i = next++) {
      const d = deliveries[i % deliveries.length];
      const t0 = process.hrtime.bigint();
      const status = await post(agent, url, {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/044aadd',
        'x-github-event': d.event,
        'x-github-delivery': `${tag}-${i}-${randomUUID()}`,
        'x-github-hook-id': '512300001',
        'x-hub-signature-256': d.signature,
      }, d.body);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (status !== 200) failures[String(status)] = (failures[String(status)] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { requests: count, seconds, perSecond: count / seconds, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), failures };
}

/** Generic events with ids unique to the round, as NDJSON bodies, and the raw_events rows ingest stores for them. */
function eventBatches(count: number, tag: string, perRequest = 5_000): Buffer[] {
  const bodies: Buffer[] = [];
  for (let start = 0; start < count; start += perRequest) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(count, start + perRequest); i++) {
      lines.push(
        JSON.stringify({
          id: `${tag}-${i}`,
          type: 'insight.captured',
          occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
          insightId: `zd-${tag}-${i}`,
          title: `Customer request ${i}: export dashboards as PDF`,
          source: 'zendesk',
          team: `team-${i % 20}`,
        }),
      );
    }
    bodies.push(Buffer.from(lines.join('\n') + '\n'));
  }
  return bodies;
}

async function eventsLoad(url: string, token: string, bodies: Buffer[], concurrency = 4): Promise<{ seconds: number; failures: number }> {
  let next = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  const sender = async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      const res = await fetch(`${url}/api/events`, { method: 'POST', body: bodies[i], headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${token}` } });
      const text = await res.text();
      if (res.status !== 200 && res.status !== 202) {
        failures++;
        if (failures === 1) log(`events refused: ${res.status} ${text.slice(0, 300)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, failures };
}

/** COPY text format: backslash, tab, newline and carriage return escaped; bytea as \\x hex. */
function copyText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** The rows the events API stores for the NDJSON bodies, in COPY text format (the same columns ingest writes). */
function copyRowsOf(bodies: Buffer[]): Buffer {
  const out: string[] = [];
  const now = new Date().toISOString();
  for (const body of bodies) {
    for (const line of body.toString('utf8').split('\n')) {
      if (!line) continue;
      const event = JSON.parse(line) as { id: string; type: string };
      const stored = Buffer.from(line);
      const meta = JSON.stringify({ tokenId: null, tokenTeam: null, via: 'token' });
      out.push([ORG, 'events', 'events', copyText(event.id), 'event-id', event.type, 'application/json', '{}', copyText(meta), `\\\\x${stored.toString('hex')}`, now, 'pending'].join('\t'));
    }
  }
  return Buffer.from(out.join('\n') + '\n');
}

/**
 * `psql \copy` of the rows; the seconds it took, and the CPU ms it used (psql and its backend, read from /proc while
 * it runs: both are gone when it ends; the backend's connection set-up included, a few ms).
 */
async function psqlCopy(databaseUrl: string, rows: Buffer): Promise<{ seconds: number; cpuMs: number }> {
  const started = process.hrtime.bigint();
  let backendPid: number | undefined;
  let psqlMs = 0;
  let backendMs = 0;
  await new Promise<void>((resolve, reject) => {
    const child = spawn('psql', [databaseUrl, '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-c', 'SELECT pg_backend_pid()', '-c',
      '\\copy bench_copy (org_id, source, source_key, delivery_key, delivery_key_source, event_type, content_type, headers, meta, body, received_at, status) FROM STDIN'], { stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdout.on('data', (chunk: Buffer) => (backendPid ??= Number(chunk.toString().trim()) || undefined));
    const poll = setInterval(() => {
      psqlMs = Math.max(psqlMs, processCpuMs(child.pid));
      if (backendPid) backendMs = Math.max(backendMs, processCpuMs(backendPid));
    }, 10);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      return code === 0 ? resolve() : reject(new Error(`psql exited with ${code}`));
    });
    child.stdin.end(rows);
  });
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, cpuMs: psqlMs + backendMs };
}

async function setUp(server: ServerProcess): Promise<{ integrationId: string; secret: string; ingestToken: string }> {
  const post = async <T>(path: string, body: unknown): Promise<T> => {
    const res = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify(body) });
    if (res.status !== 201) throw new Error(`POST ${path} → ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const integration = await post<{ id: string; secret: string }>('/api/integrations', { kind: 'github', name: 'bench' });
  const token = await post<{ token: string }>('/api/tokens', { name: 'bench ingest', scope: 'ingest' });
  return { integrationId: integration.id, secret: integration.secret, ingestToken: token.token };
}

/** Real GitHub payloads from the generator (pushes, pull requests, checks, deployments...), signed with the secret. */
function signedDeliveries(secret: string, count: number): Delivery[] {
  const out: Delivery[] = [];
  for (const event of generateEvents({ seed: 1, scale: 'demo' })) {
    if (event.source !== 'github') continue;
    const body = Buffer.from(JSON.stringify(event.payload));
    out.push({ body, event: event.event, signature: `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` });
    if (out.length >= count) break;
  }
  return out;
}

/**
 * Freshness: from a webhook's acknowledgement to the metric that includes it. Each sample sends a production
 * deployment (GitHub `deployment_status` success) and polls `GET /api/metrics/dora` for today every 25 ms until
 * its deployment count goes up; meanwhile `background` other deliveries a second arrive.
 */
async function freshness(url: string, integration: { integrationId: string; secret: string }, samples: number, background: number, firstId: number): Promise<{ samples: number[]; p50: number; p95: number; max: number }> {
  const org = buildOrg({ seed: 7, scale: 'demo' });
  const repo = org.repos[0];
  const today = new Date().toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const deployments = async (): Promise<number> => {
    const res = await fetch(`${url}/api/metrics/dora?from=${today}&to=${tomorrow}&interval=day`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    if (!res.ok) throw new Error(`dora → ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { total: { values: Record<string, number | null> } };
    return body.total.values.deployments ?? 0;
  };
  const path = `/webhooks/github/${integration.integrationId}`;
  let stop = false;
  const filler = signedDeliveries(integration.secret, 500);
  // A steady stream of `background` deliveries a second (a busy organisation), not a flood: freshness is only
  // bounded while the pipeline keeps up with what arrives.
  const backgroundLoad = (async () => {
    for (let round = 0; !stop && background > 0; round++) {
      const started = Date.now();
      await webhookLoad(url, path, filler, background, Math.min(background, 10), `bg${round}`);
      await new Promise((r) => setTimeout(r, Math.max(0, 1_000 - (Date.now() - started))));
    }
  })();
  const out: number[] = [];
  const agent = new Agent({ keepAlive: true });
  try {
    for (let k = 0; k < samples; k++) {
      const before = await deployments();
      const now = new Date();
      const spec = {
        repo, id: firstId + k, statusId: firstId + 10_000_000 + k, environment: 'production', kind: 'production' as const, sha: randomBytes(20).toString('hex'), ref: 'main',
        createdAt: now, state: 'success' as const, statusAt: now, url: 'https://example.com', creator: personActor(org.people[0]),
      };
      const body = Buffer.from(JSON.stringify(deploymentStatusPayload(org, spec)));
      const status = await post(agent, new URL(path, url), {
        'content-type': 'application/json', 'x-github-event': 'deployment_status', 'x-github-delivery': randomUUID(), 'x-github-hook-id': '512300001',
        'x-hub-signature-256': `sha256=${createHmac('sha256', integration.secret).update(body).digest('hex')}`,
      }, body);
      if (status !== 200) throw new Error(`freshness delivery → ${status}`);
      const acked = process.hrtime.bigint();
      for (;;) {
        if ((await deployments()) > before) break;
        if (Number(process.hrtime.bigint() - acked) / 1e9 > 60) {
          const stats = await fetch(`${url}/api/pipeline/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }).then((r) => r.text());
          throw new Error(`a delivery was not in the metric after 60 s; pipeline: ${stats.slice(0, 1500)}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      out.push(Number(process.hrtime.bigint() - acked) / 1e9);
    }
  } finally {
    stop = true;
    await backgroundLoad;
    agent.destroy();
  }
  const sorted = [...out].sort((a, b) => a - b);
  return { samples: out, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), max: sorted[sorted.length - 1] };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '20000' },
      concurrency: { type: 'string', default: '50' },
      rounds: { type: 'string', default: '2' },
      events: { type: 'string', default: '200000' },
      'admin-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
      'baseline-pool': { type: 'string', default: '10' },
      'skip-pglite': { type: 'boolean', default: false },
      'freshness-samples': { type: 'string', default: '40' },
      'freshness-rate': { type: 'string', default: '50' },
      // Quick iterations: `--only webhooks` runs the webhook rounds alone, `--only events` the bulk events rounds alone.
      only: { type: 'string' },
      // CPU ms per request of the bench, the server under test and PostgreSQL, from /proc (on by default).
      'no-cpu': { type: 'boolean', default: false },
      // Extra node arguments for the server (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof), space separated.
      'server-node-args': { type: 'string', default: '' },
      variant: { type: 'string', multiple: true },
    },
  });
  const requests = Number(values.requests);
  const concurrency = Number(values.concurrency);
  const rounds = Number(values.rounds);
  const events = Number(values.events);
  if (values.only !== undefined && values.only !== 'webhooks' && values.only !== 'events') throw new Error(`--only ${values.only}: only 'webhooks' or 'events' can run alone`);
  const serverNodeArgs = values['server-node-args']!.split(' ').filter(Boolean);
  const variantServers: ServerProcess[] = [];
  log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const bench = await createBenchDatabase(values['admin-url']!);
  const { admin, name: dbName, url: dbUrl } = bench;
  const result: Record<string, unknown> = {
    command: `npm run bench:ingest -- ${process.argv.slice(2).join(' ')}`.trim(),
    startedAt: new Date().toISOString(),
    requests, concurrency, rounds, events,
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'loopmeter-ingest-bench-'));
  let server: ServerProcess | undefined;
  let baseline: ReturnType<typeof fork> | undefined;
  try {
    server = await startServer({ DATABASE_URL: dbUrl.toString(), DATABASE_POOL_SIZE: '10', LOOPMETER_ADMIN_TOKEN: ADMIN_TOKEN, PIPELINE_WORKER: 'off', DATA_DIR: dataDir }, serverNodeArgs);
    const { integrationId, secret, ingestToken } = await setUp(server);
    const deliveries = signedDeliveries(secret, 2_000);
    const bytes = deliveries.reduce((n, d) => n + d.body.length, 0) / deliveries.length;
    log(`${deliveries.length} distinct GitHub payloads, ${Math.round(bytes)} bytes on average`);
    result.payloadBytesAvg = Math.round(bytes);

    const db = new Client({ connectionString: dbUrl.toString() });
    // A dropped connection fails the query in flight (and so the run) with its reason instead of crashing the process.
    db.on('error', (error) => log(`database connection lost: ${error.message}`));
    await db.connect();
    await db.query(`CREATE TABLE bench_baseline (LIKE raw_events INCLUDING ALL)`);
    await db.query(`CREATE TABLE bench_copy (LIKE raw_events INCLUDING ALL)`);
    const baselinePort = await freePort();
    baseline = fork(join(__dirname, 'baseline-server.js'), [dbUrl.toString(), String(baselinePort), values['baseline-pool']!], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    await new Promise<void>((resolve) => baseline!.once('message', () => resolve()));
    const baselineRss = rssSampler(baseline.pid);
    const baselineUrl = `http://127.0.0.1:${baselinePort}`;
    const serverPath = `/webhooks/github/${integrationId}`;

    // 1. Webhooks: a warm-up each, then rounds alternating baseline and server (and any --variant servers).
    const variants: Array<{ name: string; url: string; path: string; pid: number | undefined; deliveries: Delivery[] }> = [
      { name: 'server', url: server.url, path: serverPath, pid: server.child.pid, deliveries },
    ];
    for (const spec of values.variant ?? []) {
      // --variant name:KEY=VALUE,KEY=VALUE: another server on the same database with extra environment, measured in turn.
      const [name, envText = ''] = spec.split(/:(.*)/s);
      if (!name || variants.some((v) => v.name === name) || name === 'baseline') throw new Error(`--variant ${spec}: give each variant a name of its own`);
      const env = Object.fromEntries(envText.split(',').filter(Boolean).map((kv) => kv.split(/=(.*)/s).slice(0, 2)));
      const extra = await startServer({ DATABASE_URL: dbUrl.toString(), DATABASE_POOL_SIZE: '10', LOOPMETER_ADMIN_TOKEN: ADMIN_TOKEN, PIPELINE_WORKER: 'off', DATA_DIR: dataDir, ...env }, serverNodeArgs);
      variantServers.push(extra);
      const targets = await setUp(extra);
      variants.push({ name, url: extra.url, path: `/webhooks/github/${targets.integrationId}`, pid: extra.child.pid, deliveries: signedDeliveries(targets.secret, 2_000) });
    }
    const cpuDb = values['no-cpu'] ? undefined : db;
    const webhookRounds = values.only === 'events' ? 0 : rounds;
    if (webhookRounds > 0) await webhookLoad(baselineUrl, '/', deliveries, 1_000, concurrency, 'warm-b');
    if (webhookRounds > 0) for (const v of variants) await webhookLoad(v.url, v.path, v.deliveries, 1_000, concurrency, `warm-${v.name}`);
    const webhook: { baseline: LoadResult[]; server: LoadResult[] } & Record<string, LoadResult[]> = { baseline: [], server: [] };
    const describe = (r: LoadResult & { cpuMsPerRequest?: CpuPerRequest }) =>
      `${Math.round(r.perSecond)} req/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms` +
      (r.cpuMsPerRequest ? `; CPU ms/request: bench ${r.cpuMsPerRequest.bench}, target ${r.cpuMsPerRequest.target} (system ${r.cpuMsPerRequest.targetSystem}), postgres ${r.cpuMsPerRequest.postgres} (load ${r.cpuMsPerRequest.loadAvg1})` : '') +
      (Object.keys(r.failures).length ? `; failures ${JSON.stringify(r.failures)}` : '');
    for (let r = 0; r < webhookRounds; r++) {
      const b = await measuringCpu(cpuDb, dbName, baseline.pid, () => webhookLoad(baselineUrl, '/', deliveries, requests, concurrency, `b${r}`));
      webhook.baseline.push(b);
      log(`baseline round ${r + 1}: ${describe(b)}`);
      for (const v of variants) {
        const x = await measuringCpu(cpuDb, dbName, v.pid, () => webhookLoad(v.url, v.path, v.deliveries, requests, concurrency, `${v.name}${r}`));
        (webhook[v.name] ??= []).push(x);
        log(`${v.name} round ${r + 1}: ${describe(x)} (${(x.perSecond / b.perSecond).toFixed(2)}x this round's baseline)`);
      }
    }
    const stored = Number((await db.query(`SELECT count(*) AS n FROM raw_events WHERE source = 'github'`)).rows[0].n);
    const sent = webhookRounds > 0 ? webhookRounds * requests + 1_000 : 0;
    const expected = sent * variants.length;
    if (stored !== expected) throw new Error(`the server acknowledged ${expected} deliveries but stored ${stored}`);
    const storedBaseline = Number((await db.query(`SELECT count(*) AS n FROM bench_baseline`)).rows[0].n);
    if (storedBaseline !== sent) throw new Error(`the baseline acknowledged ${sent} deliveries but stored ${storedBaseline}`);
    for (const v of variants.slice(1)) {
      const perSecond = median(webhook[v.name].map((x) => x.perSecond));
      log(`${v.name}: ${(perSecond / median(webhook.baseline.map((x) => x.perSecond))).toFixed(2)}x the baseline (medians), p99 ${median(webhook[v.name].map((x) => x.p99Ms)).toFixed(1)} ms`);
    }
    if (webhookRounds > 0) {
      result.webhooks = {
        ...webhook,
        baselinePerSecond: median(webhook.baseline.map((x) => x.perSecond)),
        serverPerSecond: median(webhook.server.map((x) => x.perSecond)),
        ratio: median(webhook.server.map((x) => x.perSecond)) / median(webhook.baseline.map((x) => x.perSecond)),
        serverP99Ms: median(webhook.server.map((x) => x.p99Ms)),
        baselineP99Ms: median(webhook.baseline.map((x) => x.p99Ms)),
        storedExactlyOnce: stored,
      };
      log(`webhooks: ${(result.webhooks as { ratio: number }).ratio.toFixed(2)}x the baseline (medians), server p99 ${median(webhook.server.map((x) => x.p99Ms)).toFixed(1)} ms, baseline p99 ${median(webhook.baseline.map((x) => x.p99Ms)).toFixed(1)} ms, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    }
    for (const extra of variantServers.splice(0)) await extra.stop();
    if (values.only === 'webhooks') {
      result.peakRssMb = { server: server.peakRssMb(), baseline: baselineRss.peakMb(), bench: Math.round(process.memoryUsage().rss / 1048576) };
      baselineRss.stop();
      await db.end();
      return finish(result);
    }

    // 2. Bulk events against COPY of the same rows, alternating.
    const bulk: { copySeconds: number[]; apiSeconds: number[] } = { copySeconds: [], apiSeconds: [] };
    for (let r = 0; r < rounds; r++) {
      const copyRows = copyRowsOf(eventBatches(events, `copy${r}`));
      const copy = await psqlCopy(dbUrl.toString(), copyRows);
      bulk.copySeconds.push(copy.seconds);
      log(`COPY round ${r + 1}: ${Math.round(events / copy.seconds)} rows/s; CPU µs/row: psql + its backend ${Math.round((copy.cpuMs * 1000) / events)} (load ${loadavg()[0].toFixed(2)})`);
      const bodies = eventBatches(events, `api${r}`);
      // CPU per event as for the webhooks (`requests` counts events here): which process the two cores go to.
      const api = await measuringCpu(cpuDb, dbName, server.child.pid, async () => {
        const load = await eventsLoad(server!.url, ingestToken, bodies);
        return { ...load, requests: events, perSecond: events / load.seconds, p50Ms: 0, p99Ms: 0, failures: {} as Record<string, number>, refused: load.failures };
      });
      if (api.refused > 0) throw new Error(`${api.refused} event requests refused`);
      bulk.apiSeconds.push(api.seconds);
      const cpu = api.cpuMsPerRequest;
      const us = (ms: number) => Math.round(ms * 1000);
      log(`events API round ${r + 1}: ${Math.round(events / api.seconds)} events/s` +
        (cpu ? `; CPU µs/event: bench ${us(cpu.bench)}, server ${us(cpu.target)} (system ${us(cpu.targetSystem)}), postgres ${us(cpu.postgres)} (load ${cpu.loadAvg1})` : ''));
    }
    const storedEvents = Number((await db.query(`SELECT count(*) AS n FROM raw_events WHERE source = 'events'`)).rows[0].n);
    if (storedEvents !== rounds * events) throw new Error(`the events API acknowledged ${rounds * events} events but stored ${storedEvents}`);
    result.events = {
      ...bulk,
      copyPerSecond: events / median(bulk.copySeconds),
      apiPerSecond: events / median(bulk.apiSeconds),
      ratio: median(bulk.copySeconds) / median(bulk.apiSeconds),
    };
    log(`bulk events: ${(result.events as { ratio: number }).ratio.toFixed(2)}x COPY (medians), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    result.peakRssMb = { server: server.peakRssMb(), baseline: baselineRss.peakMb(), bench: Math.round(process.memoryUsage().rss / 1048576) };
    if (values.only === 'events') {
      baselineRss.stop();
      await db.end();
      return finish(result);
    }
    baseline.kill('SIGTERM');
    await server.stop();

    // 3. Freshness, with the server's pipeline worker on, on a database of its own (no backlog from the loads above).
    await admin.query(`CREATE DATABASE ${dbName}_fresh`);
    const freshUrl = new URL(dbUrl.toString());
    freshUrl.pathname = `/${dbName}_fresh`;
    server = await startServer({ DATABASE_URL: freshUrl.toString(), DATABASE_POOL_SIZE: '10', LOOPMETER_ADMIN_TOKEN: ADMIN_TOKEN, PIPELINE_WORKER: 'on', DATA_DIR: dataDir });
    const fresh = await setUp(server);
    const samples = Number(values['freshness-samples']);
    const background = Number(values['freshness-rate']);
    const idle = await freshness(server.url, fresh, samples, 0, 9_000_000);
    log(`freshness, idle: p50 ${idle.p50.toFixed(2)} s, p95 ${idle.p95.toFixed(2)} s`);
    const loaded = await freshness(server.url, fresh, samples, background, 9_100_000);
    log(`freshness, ${background} deliveries/s in the background: p50 ${loaded.p50.toFixed(2)} s, p95 ${loaded.p95.toFixed(2)} s`);
    result.freshness = { idle, underLoad: { ...loaded, backgroundPerSecond: background }, serverPeakRssMb: server.peakRssMb() };
    baselineRss.stop();
    await db.end();
    await server.stop();
    server = undefined;

    // 4. The same loads on the embedded PGlite (one connection), a single round each.
    if (!values['skip-pglite']) {
      const pgliteDir = join(dataDir, 'pglite');
      mkdirSync(pgliteDir);
      server = await startServer({ LOOPMETER_ADMIN_TOKEN: ADMIN_TOKEN, PIPELINE_WORKER: 'off', DATA_DIR: pgliteDir });
      const targets = await setUp(server);
      const signed = signedDeliveries(targets.secret, 2_000);
      const path = `/webhooks/github/${targets.integrationId}`;
      await webhookLoad(server.url, path, signed, 1_000, concurrency, 'warm-p');
      const hooks = await webhookLoad(server.url, path, signed, requests, concurrency, 'p0');
      log(`PGlite webhooks: ${Math.round(hooks.perSecond)} req/s, p99 ${hooks.p99Ms.toFixed(1)} ms`);
      const api = await eventsLoad(server.url, targets.ingestToken, eventBatches(events, 'pglite'));
      log(`PGlite events API: ${Math.round(events / api.seconds)} events/s`);
      result.pglite = {
        webhooks: hooks,
        webhooksVsPostgres: hooks.perSecond / (result.webhooks as { serverPerSecond: number }).serverPerSecond,
        eventsPerSecond: events / api.seconds,
        eventsVsPostgres: events / api.seconds / (result.events as { apiPerSecond: number }).apiPerSecond,
        eventFailures: api.failures,
        peakRssMb: server.peakRssMb(),
      };
      await server.stop();
      server = undefined;
    }
  } finally {
    for (const extra of variantServers) await extra.stop();
    baseline?.kill('SIGTERM');
    await server?.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName}_fresh WITH (FORCE)`);
    await bench.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  finish(result);
}

function finish(result: Record<string, unknown>): void {
  result.finishedAt = new Date().toISOString();
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `ingest-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  log(`results in ${file}`);
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
