import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import { embeddedDataDir } from '../../server/src/core/database/embedded-postgres';
import { createGithubIntegration, healthStatus } from './support/admin';
import { spawnServer, type ServerProcess } from './support/server-process';
import { suiteResources } from './support/suite-resources';
import { SustainedIngest, type Integration } from './support/sustained-ingest';
import { checkProjected, checkStored, type Query } from './support/verify-ingest';

/**
 * The server process is killed with SIGKILL three times during sustained ingest (webhooks arriving, the pipeline
 * worker projecting them) and restarted each time. Afterwards every delivery the senders had acknowledged is in the
 * raw store exactly once and byte for byte (none half written), the senders' retries of unacknowledged ones are
 * either stored or reported duplicate, and the pipeline projects each PR, issue and commit once.
 * On PostgreSQL (a throwaway cluster) and on the embedded PGlite (DATA_DIR).
 *
 * KILL_SEED replays the kill times (printed with the results).
 */
const SEED = Number(process.env.KILL_SEED ?? Date.now() % 100_000);
const KILLS = 3;

function killDelays(seed: number): number[] {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Array.from({ length: KILLS }, () => 1_500 + Math.floor(next() * 2_000));
}

interface Run {
  load: SustainedIngest;
  integration: Integration;
  kills: Array<{ afterMs: number; ackedBefore: number; restartMs: number }>;
}

async function ingestWithKills(start: () => Promise<ServerProcess>, setServer: (s: ServerProcess | undefined) => void): Promise<Run> {
  let server = await start();
  setServer(server);
  const integration = await createGithubIntegration(server.url);
  const port = server.port;
  const load = new SustainedIngest(() => `http://127.0.0.1:${port}`, integration, 6);
  load.start();
  const kills: Run['kills'] = [];
  for (const delay of killDelays(SEED)) {
    await sleep(delay);
    const ackedBefore = load.acked.length;
    await server.kill('SIGKILL');
    const killedAt = Date.now();
    server = await start();
    setServer(server);
    kills.push({ afterMs: delay, ackedBefore, restartMs: Date.now() - killedAt });
  }
  await sleep(2_000);
  await load.stop();
  await load.flush();
  return { load, integration, kills };
}

async function waitDrained(read: () => Promise<Awaited<ReturnType<typeof checkProjected>>>) {
  const deadline = Date.now() + 120_000;
  let projected = await read();
  while (projected.byStatus.pending && Date.now() < deadline) {
    await sleep(1_000);
    projected = await read();
  }
  return projected;
}

function report(kind: string, run: Run, extra = ''): void {
  process.stdout.write(
    `sigkill ${kind} (KILL_SEED=${SEED}): ${run.load.deliveries.length} deliveries, ${run.load.acked.filter((d) => d.ackedAs === 'duplicate').length} acknowledged as duplicate after a lost answer, ` +
      `answers ${JSON.stringify(Object.fromEntries(run.load.answers))}, kills ${JSON.stringify(run.kills)}${extra}\n`,
  );
}

describe('SIGKILL during ingest, on PostgreSQL', () => {
  const suite = suiteResources('loopmeter-kill-pg-', { cluster: true });

  it('keeps every acknowledged delivery exactly once across three SIGKILLs', async () => {
    let port = 0;
    const start = async () => {
      const s = await spawnServer({ dataDir: suite.dataDir, databaseUrl: suite.cluster.url('loopmeter'), port: port || undefined, env: { PIPELINE_WORKER: 'on', DATABASE_POOL_SIZE: '4' } });
      port = s.port;
      return s;
    };
    const run = await ingestWithKills(start, (s) => (suite.server = s));
    expect(run.load.unacked.size).toBe(0);
    expect(run.load.unexpected).toEqual([]);
    // Each kill happened while deliveries were being acknowledged.
    expect(run.kills.map((k) => k.ackedBefore)).toEqual([...run.kills.map((k) => k.ackedBefore)].sort((a, b) => a - b));
    expect(run.kills[0].ackedBefore).toBeGreaterThan(0);

    const client = new Client({ connectionString: suite.cluster.url('loopmeter') });
    await client.connect();
    try {
      const query: Query = async (sql, params) => (await client.query(sql, params)).rows;
      const stored = await checkStored(query, run.integration.id, run.load.deliveries);
      expect({ missing: stored.missing, repeated: stored.repeated, corrupted: stored.corrupted, unknown: stored.unknown }).toEqual({ missing: [], repeated: [], corrupted: [], unknown: [] });
      expect(stored.rows).toBe(run.load.deliveries.length);
      const projected = await waitDrained(() => checkProjected(query, run.integration.id, run.load.deliveries));
      expect(projected).toEqual({ byStatus: { processed: run.load.deliveries.length }, missing: [], duplicated: [] });
    } finally {
      await client.end();
    }
    expect(await healthStatus(suite.server!.url)).toBe(200);
    report('postgres', run);
  });
});

describe('SIGKILL during ingest, on the embedded PGlite', () => {
  const suite = suiteResources('loopmeter-kill-pglite-');

  it('keeps every acknowledged delivery exactly once across three SIGKILLs', async () => {
    let port = 0;
    const start = async () => {
      const s = await spawnServer({ dataDir: suite.dataDir, port: port || undefined, env: { PIPELINE_WORKER: 'on' } });
      port = s.port;
      return s;
    };
    const run = await ingestWithKills(start, (s) => (suite.server = s));
    expect(run.load.unacked.size).toBe(0);
    expect(run.load.unexpected).toEqual([]);
    expect(run.kills[0].ackedBefore).toBeGreaterThan(0);

    // Let the worker finish, then stop the server cleanly and read its data folder directly.
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const res = await fetch(`${suite.server!.url}/api/pipeline/stats`, { headers: { authorization: 'Bearer reliability-admin-token-0123456789abcdef' } });
      const stats = (await res.json()) as { byStatus: Record<string, number> };
      if (!stats.byStatus.pending) break;
      await sleep(1_000);
    }
    // Nest ends a clean shutdown by re-raising the signal.
    expect(['code 0', 'signal SIGTERM']).toContain(await suite.server!.kill('SIGTERM'));
    suite.server = undefined;
    const db = await PGlite.create({ dataDir: embeddedDataDir(suite.dataDir) });
    try {
      const query: Query = async (sql, params) => (await db.query(sql, params)).rows as never;
      const stored = await checkStored(query, run.integration.id, run.load.deliveries);
      expect({ missing: stored.missing, repeated: stored.repeated, corrupted: stored.corrupted, unknown: stored.unknown }).toEqual({ missing: [], repeated: [], corrupted: [], unknown: [] });
      expect(stored.rows).toBe(run.load.deliveries.length);
      const projected = await checkProjected(query, run.integration.id, run.load.deliveries);
      expect(projected).toEqual({ byStatus: { processed: run.load.deliveries.length }, missing: [], duplicated: [] });
    } finally {
      await db.close();
    }
    report('pglite', run);
  });
});
