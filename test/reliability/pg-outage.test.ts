import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { createGithubIntegration, healthStatus } from './support/admin';
import { spawnServer } from './support/server-process';
import { suiteResources } from './support/suite-resources';
import { SustainedIngest } from './support/sustained-ingest';
import { checkProjected, checkStored, type Query } from './support/verify-ingest';

/**
 * PostgreSQL stops during sustained ingest (a crash: `pg_ctl stop -m immediate`, no checkpoint) and comes back.
 * While it is down the senders get 503 with Retry-After and nothing else; once it is back ingest resumes in the
 * same server process (no restart), and every delivery the senders had acknowledged is stored once, byte for byte.
 * On a throwaway cluster of its own (initdb in a temporary folder, its own port), never the machine's server.
 */
const OUTAGE_MS = 5_000;

const suite = suiteResources('loopmeter-outage-', { cluster: true });

async function withDatabase<T>(fn: (query: Query) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: suite.cluster.url('loopmeter') });
  await client.connect();
  try {
    return await fn(async (sql, params) => (await client.query(sql, params)).rows);
  } finally {
    await client.end();
  }
}

it('answers 503 with Retry-After while PostgreSQL is down, resumes without a restart, and loses nothing acknowledged', async () => {
  const server = (suite.server = await spawnServer({ dataDir: suite.dataDir, databaseUrl: suite.cluster.url('loopmeter'), env: { PIPELINE_WORKER: 'on', DATABASE_POOL_SIZE: '4' } }));
  const pid = server.pid;
  const integration = await createGithubIntegration(server.url);
  const url = server.url;
  const load = new SustainedIngest(() => url, integration, 6);
  load.start();
  await sleep(3_000);
  const ackedBefore = load.takeAckCount();
  expect(ackedBefore).toBeGreaterThan(50);

  // Down: answers are 503 with Retry-After (the server is up, only its database is not).
  suite.cluster.stop('immediate');
  const downAt = Date.now();
  const answersAtStop = new Map(load.answers);
  await sleep(1_000);
  expect(await healthStatus(url)).toBe(503);
  await sleep(OUTAGE_MS - 1_000);
  const during = [...load.answers].map(([k, v]) => [k, v - (answersAtStop.get(k) ?? 0)] as const).filter(([, v]) => v > 0);
  // Requests that were in flight at the crash may still succeed; after that only 503s.
  expect(Object.fromEntries(during.filter(([k]) => k !== '200' && k !== '503'))).toEqual({});
  expect(Object.fromEntries(during)['503']).toBeGreaterThan(10);
  expect(new Set(load.retryAfter.filter((v) => !/^[1-9]\d*$/.test(v)))).toEqual(new Set());
  load.takeAckCount();

  // Back: ingest resumes in the same process.
  suite.cluster.start();
  const upAt = Date.now();
  let resumedAfterMs = -1;
  while (Date.now() - upAt < 30_000) {
    await sleep(100);
    if (load.takeAckCount() > 0) {
      resumedAfterMs = Date.now() - upAt;
      break;
    }
  }
  expect(resumedAfterMs).toBeGreaterThanOrEqual(0);
  await sleep(3_000);
  expect(load.takeAckCount()).toBeGreaterThan(50);
  await load.stop();
  await load.flush();
  expect(load.unacked.size).toBe(0);
  expect(server.child.exitCode).toBeNull();
  expect(server.pid).toBe(pid);
  expect(await healthStatus(url)).toBe(200);

  // Nothing acknowledged is lost, nothing is stored twice or altered.
  const stored = await withDatabase((q) => checkStored(q, integration.id, load.deliveries));
  expect({ missing: stored.missing, repeated: stored.repeated, corrupted: stored.corrupted, unknown: stored.unknown }).toEqual({ missing: [], repeated: [], corrupted: [], unknown: [] });
  expect(stored.rows).toBe(load.deliveries.length);
  expect(load.unexpected).toEqual([]);

  // The pipeline worker in the same process recovers too: it processes everything, once.
  const deadline = Date.now() + 120_000;
  let projected = await withDatabase((q) => checkProjected(q, integration.id, load.deliveries));
  while (projected.byStatus.pending && Date.now() < deadline) {
    await sleep(1_000);
    projected = await withDatabase((q) => checkProjected(q, integration.id, load.deliveries));
  }
  expect(projected).toEqual({ byStatus: { processed: load.deliveries.length }, missing: [], duplicated: [] });

  const answers = Object.fromEntries(load.answers);
  process.stdout.write(
    `pg-outage: ${load.deliveries.length} deliveries, answers ${JSON.stringify(answers)}, outage ${Date.now() - downAt > 0 ? OUTAGE_MS : 0} ms, ` +
      `ingest resumed ${resumedAfterMs} ms after PostgreSQL was back, Retry-After ${[...new Set(load.retryAfter)].join(',')}, server RSS ${Math.round(server.rss() / 2 ** 20)} MiB\n`,
  );
});
