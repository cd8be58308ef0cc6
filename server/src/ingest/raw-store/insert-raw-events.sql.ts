/**
 * One statement (so one transaction) for a whole batch: unnest the columns, insert in arrival order (ids follow
 * it), skip what is already stored (the sender's delivery key), and stamp each integration's last delivery.
 *
 * The stamp is written only when the batch's latest delivery is more than STAMP_GRANULARITY newer than it: it
 * lags the truth by less than that (a second), and most batches take no lock on the integration. Stamping every
 * batch made concurrent batches of one integration wait for each other's commit on its row lock, so group-commit
 * batches were written one at a time (docs/benchmarks.md, Ingest). When two batches do stamp, each locks the
 * integrations it stamps in id order, so the common case (many deliveries of a few integrations) never deadlocks.
 * Two batches holding copies of the same deliveries in opposite orders can; PostgreSQL then aborts one and the
 * writer writes it again.
 */
export const STAMP_GRANULARITY = '1 second';

/**
 * The statement for a given `input`: rows with the columns of raw_events' insert and `ord`, their arrival order.
 * The two inputs below (parameter arrays, a staging table) share everything else, so both paths keep exactly the
 * same dedupe, order, answer and stamp. Without `onConflict` (the staging path's first try, see below) a row whose
 * delivery key is stored fails the whole statement with a unique violation instead of being skipped. With
 * `deliveryKeyOnly` it answers each inserted row's id and delivery key alone, for a batch whose rows all share their
 * org, source and source key (every events API request): a third of the text to send back and read.
 */
function insertRawEventsFrom(input: string, { onConflict = true, deliveryKeyOnly = false } = {}): string {
  return `
WITH input AS (
${input}
), inserted AS (
  INSERT INTO raw_events (org_id, source, source_key, integration_id, delivery_key, delivery_key_source, event_type,
                          action, content_type, headers, meta, body, received_at, status)
  SELECT org_id, source, source_key, integration_id, delivery_key, delivery_key_source, event_type,
         action, content_type, headers, meta, body, received_at, status
  FROM input
  ORDER BY ord${onConflict ? '\n  ON CONFLICT (org_id, source, source_key, delivery_key) DO NOTHING' : ''}
  RETURNING id, org_id, source, source_key, delivery_key, integration_id, received_at
), stamps AS (
  SELECT org_id, integration_id, max(received_at) AS at FROM inserted WHERE integration_id IS NOT NULL GROUP BY 1, 2
), locked AS (
  SELECT i.org_id, i.id FROM integrations i JOIN stamps x ON i.org_id = x.org_id AND i.id = x.integration_id
  WHERE i.last_delivery_at IS NULL OR i.last_delivery_at < x.at - interval '${STAMP_GRANULARITY}'
  ORDER BY i.org_id, i.id
  FOR UPDATE OF i
), touched AS (
  UPDATE integrations i
  SET last_delivery_at = GREATEST(COALESCE(i.last_delivery_at, x.at), x.at)
  FROM stamps x, locked l
  WHERE i.org_id = x.org_id AND i.id = x.integration_id AND l.org_id = i.org_id AND l.id = i.id
    AND (i.last_delivery_at IS NULL OR i.last_delivery_at < x.at - interval '${STAMP_GRANULARITY}')
  RETURNING 1
)
SELECT id::text AS id, ${deliveryKeyOnly ? '' : 'org_id, source, source_key, '}delivery_key FROM inserted`;
}

/** Small batches (webhook group commit): the columns as 15 array parameters, one statement, autocommit. */
export const INSERT_RAW_EVENTS_SQL = insertRawEventsFrom(`  SELECT *
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[],
              $9::text[], $10::jsonb[], $11::jsonb[], $12::bytea[], $13::timestamptz[], $14::text[], $15::int[])
    AS t(org_id, source, source_key, integration_id, delivery_key, delivery_key_source, event_type, action,
         content_type, headers, meta, body, received_at, status, ord)`);

/**
 * Large batches (bulk events) on PostgreSQL: the rows are first sent with `COPY ... FROM STDIN (FORMAT binary)` into
 * a temporary table of the connection's session, then inserted by the same statement in the same transaction
 * (docs/benchmarks.md, Ingest). The staging table has raw_events' types, so nothing is parsed twice, and no index:
 * the dedupe happens in the insert, as on the small path. `ON COMMIT DELETE ROWS` empties it at every commit (and a
 * rollback takes its rows away), so each transaction starts with it empty. Its name carries a version: change it
 * with the columns, a session that outlives a deploy (a pooler) would otherwise keep the old definition.
 */
export const RAW_EVENTS_STAGING_TABLE = 'loopmeter_raw_events_staging_v1';

/** The columns of the staging table, in the order of the COPY rows (`rawEventsCopyBinary`). */
export const CREATE_RAW_EVENTS_STAGING_SQL = `CREATE TEMPORARY TABLE IF NOT EXISTS ${RAW_EVENTS_STAGING_TABLE} (
  org_id uuid, source text, source_key text, integration_id uuid, delivery_key text, delivery_key_source text,
  event_type text, action text, content_type text, headers jsonb, meta jsonb, body bytea, received_at timestamptz,
  status text, ord int
) ON COMMIT DELETE ROWS`;

export const COPY_RAW_EVENTS_STAGING_SQL = `COPY ${RAW_EVENTS_STAGING_TABLE} FROM STDIN (FORMAT binary)`;

const STAGED_INPUT = `  SELECT * FROM ${RAW_EVENTS_STAGING_TABLE}`;
const STAGED_STATEMENTS = {
  onConflict: insertRawEventsFrom(STAGED_INPUT),
  onConflictDeliveryKeyOnly: insertRawEventsFrom(STAGED_INPUT, { deliveryKeyOnly: true }),
  plain: insertRawEventsFrom(STAGED_INPUT, { onConflict: false }),
  plainDeliveryKeyOnly: insertRawEventsFrom(STAGED_INPUT, { onConflict: false, deliveryKeyOnly: true }),
} as const;
export type StagedInsert = keyof typeof STAGED_STATEMENTS;

/**
 * The insert from the staging table, in one of four forms.
 *
 * `plain`: the first try when no duplicate is expected, without ON CONFLICT. PostgreSQL's speculative insertion (a
 * probe of the unique index before each row, then a second WAL record to confirm it) was ~30 % of the database's CPU
 * per row (9.5-12 against 6.5-8.8 µs, 5,000-row batches). If a delivery key is already stored (or committed meanwhile
 * by another batch), the statement fails with a unique violation, the transaction rolls back whole, and the writer
 * writes the batch again with ON CONFLICT: the same outcome, as the unique index decides in both. Only for batches
 * without a repeated key (a repeat must be skipped, not fail).
 *
 * `deliveryKeyOnly`: for a batch whose rows share org, source and source key, answer ids and delivery keys alone.
 */
export function stagedInsert(plain: boolean, deliveryKeyOnly: boolean): { variant: StagedInsert; text: string } {
  const variant: StagedInsert = plain ? (deliveryKeyOnly ? 'plainDeliveryKeyOnly' : 'plain') : deliveryKeyOnly ? 'onConflictDeliveryKeyOnly' : 'onConflict';
  return { variant, text: STAGED_STATEMENTS[variant] };
}
