import { createServer } from 'node:http';
import { Pool } from 'pg';

/**
 * The ingest benchmark's baseline (issue 9): a bare Node HTTP server that does one durable INSERT per request,
 * in its own transaction (autocommit, synchronous_commit on), and answers once it is committed. No signature
 * check, no validation, no logging: the least work a durable acknowledgement can cost without group commit.
 * Rows go to `bench_baseline` (a copy of raw_events' columns and indexes). Started by ingest.bench.ts:
 * node bench/dist/baseline-server.js <database url> <port> <pool size>
 */
const [databaseUrl, port, poolSize] = process.argv.slice(2);
const pool = new Pool({ connectionString: databaseUrl, max: Number(poolSize) });
const ORG = '00000000-0000-0000-0000-000000000001';

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const headers = { 'x-github-event': req.headers['x-github-event'], 'x-github-delivery': req.headers['x-github-delivery'] };
    pool
      .query(
        `INSERT INTO bench_baseline (org_id, source, source_key, delivery_key, delivery_key_source, event_type, content_type, headers, body, status)
         VALUES ($1, 'github', 'baseline', $2, 'x-github-delivery', $3, $4, $5, $6, 'pending') ON CONFLICT DO NOTHING`,
        [ORG, String(req.headers['x-github-delivery']), String(req.headers['x-github-event']), req.headers['content-type'] ?? null, headers, body],
      )
      .then(
        () => {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        },
        (error: Error) => {
          res.writeHead(503, { 'retry-after': '1' }).end(error.message);
        },
      );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
