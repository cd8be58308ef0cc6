import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { generateEvents } from './generate';
import { writeRawEvents } from './bulk-writer';

/**
 * `node bench/dist/generator/cli.js --database-url postgres://… [--events 200000|--demo] [--seed 1] [--org <uuid>]`:
 * writes the synthetic org into raw_events of a migrated Loopmeter database; the pipeline processes it.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'database-url': { type: 'string' }, events: { type: 'string' }, demo: { type: 'boolean', default: false }, seed: { type: 'string', default: '1' }, org: { type: 'string', default: '00000000-0000-0000-0000-000000000001' } },
  });
  if (!values['database-url']) throw new Error('--database-url is required');
  const scale = values.demo ? 'demo' : Number(values.events ?? 200_000);
  const client = new Client({ connectionString: values['database-url'] });
  await client.connect();
  const started = Date.now();
  try {
    const written = await writeRawEvents((t, p) => client.query(t, p).then((r) => r.rows as Array<Record<string, unknown>>), generateEvents({ seed: Number(values.seed), scale }), {
      orgId: values.org,
      integrationIds: { github: '6f0c6f7e-5b7a-4d0e-9b1e-1a2b3c4d5e6f', linear: '7a1d2e3f-4b5c-4d6e-8f70-8192a3b4c5d6' },
      onProgress: (n) => {
        if (n % 50_000 < 1_000) process.stderr.write(`${n} rows\n`);
      },
    });
    process.stdout.write(`${JSON.stringify({ written, seconds: (Date.now() - started) / 1000 })}\n`);
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
