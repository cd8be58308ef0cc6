import type { GeneratedEvent } from './generate';
import { rawEventRowOf, type RawEventRow } from './deliveries';

/** At most this many rows per statement (DESIGN §6: batches of at most ~1,000 rows). */
export const BULK_BATCH_ROWS = 1_000;

export interface BulkOptions {
  orgId: string;
  /** Integration ids the GitHub and Linear rows are filed under (they need not exist: the pipeline does not read them). */
  integrationIds: { github: string; linear: string };
  /** Extra meta on every row, e.g. `{ demo: true }`. */
  meta?: Record<string, unknown>;
  onProgress?: (written: number) => void;
}

const INSERT = `
  WITH written AS (
  INSERT INTO raw_events (org_id, source, source_key, integration_id, delivery_key, delivery_key_source, event_type, action, content_type, headers, meta, body, received_at, status)
  SELECT $1, * FROM unnest($2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::jsonb[], $11::jsonb[], $12::bytea[], $13::timestamptz[], $14::text[])
  ON CONFLICT (org_id, source, source_key, delivery_key) DO NOTHING
  RETURNING 1)
  SELECT count(*)::int AS written FROM written`;

/** Runs one statement and returns its rows: a pg Client's or a TypeORM DataSource's query. */
export type QueryRows = (text: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>;

/**
 * Writes the events straight into raw_events (multi-row INSERT of ≤ 1,000 rows per statement, each its own
 * transaction), as the ingest path would have stored them; the pipeline processes them afterwards. Returns
 * how many rows were written (duplicates of rows already stored are skipped).
 */
export async function writeRawEvents(query: QueryRows, events: Iterable<GeneratedEvent>, options: BulkOptions): Promise<number> {
  let batch: RawEventRow[] = [];
  let written = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const col = <T>(f: (r: RawEventRow) => T) => batch.map(f);
    const rows = await query(INSERT, [
      options.orgId,
      col((r) => r.source),
      col((r) => r.sourceKey),
      col((r) => r.integrationId),
      col((r) => r.deliveryKey),
      col((r) => r.deliveryKeySource),
      col((r) => r.eventType),
      col((r) => r.action),
      col((r) => r.contentType),
      col((r) => JSON.stringify(r.headers)),
      col((r) => JSON.stringify(r.meta)),
      col((r) => r.body),
      col((r) => r.receivedAt),
      col(() => 'pending'),
    ]);
    written += Number(rows[0]?.written ?? 0);
    batch = [];
    options.onProgress?.(written);
  };
  for (const event of events) {
    batch.push(rawEventRowOf(event, options.integrationIds, options.meta ?? {}));
    if (batch.length >= BULK_BATCH_ROWS) await flush();
  }
  await flush();
  return written;
}
