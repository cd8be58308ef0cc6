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

export const INSERT_RAW_EVENTS_SQL = `
WITH input AS (
  SELECT *
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[],
              $9::text[], $10::jsonb[], $11::jsonb[], $12::bytea[], $13::timestamptz[], $14::text[], $15::int[])
    AS t(org_id, source, source_key, integration_id, delivery_key, delivery_key_source, event_type, action,
         content_type, headers, meta, body, received_at, status, ord)
), inserted AS (
  INSERT INTO raw_events (org_id, source, source_key, integration_id, delivery_key, delivery_key_source, event_type,
                          action, content_type, headers, meta, body, received_at, status)
  SELECT org_id, source, source_key, integration_id, delivery_key, delivery_key_source, event_type,
         action, content_type, headers, meta, body, received_at, status
  FROM input
  ORDER BY ord
  ON CONFLICT (org_id, source, source_key, delivery_key) DO NOTHING
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
SELECT id::text AS id, org_id, source, source_key, delivery_key FROM inserted`;
