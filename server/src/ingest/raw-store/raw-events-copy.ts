import type { RawEventInput } from './raw-event';

/**
 * Rows for `COPY loopmeter_raw_events_staging_v1 FROM STDIN (FORMAT binary)` (PostgreSQL's binary COPY format):
 * a signature and header, then per row its field count and each field as its length (-1 for NULL) and its bytes in
 * the type's binary form, then a trailer. One buffer, sized once and written in place: the bodies are copied as they
 * are (no hex, no escaping), and the database parses nothing but the two small JSON columns.
 *
 * Fields, in the staging table's column order: org_id uuid, source, source_key, integration_id uuid, delivery_key,
 * delivery_key_source, event_type, action, content_type (text: UTF-8), headers, meta (jsonb: version 1 and the JSON
 * text, exactly what the parameter path sends), body (bytea), received_at (timestamptz: microseconds since
 * 2000-01-01 UTC), status (text), ord (int4: the row's index in the batch).
 *
 * Returns undefined when a value has no binary form that is sure to mean the same as its text form on the parameter
 * path (a uuid not in canonical form, an invalid date): the caller then writes the batch that way, and PostgreSQL
 * answers for it exactly as before.
 */
export function rawEventsCopyBinary(events: readonly RawEventInput[]): Buffer | undefined {
  const headers: Array<string | undefined> = new Array(events.length);
  const metas: Array<string | undefined> = new Array(events.length);
  // The events of one request share their headers and meta objects: serialized once.
  const json = jsonOnce();
  const jsonMeta = jsonOnce();
  // An upper bound of the size: UTF-8 takes at most 3 bytes per UTF-16 code unit (a lone surrogate becomes U+FFFD).
  let capacity = SIGNATURE.length + 8 + 2;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (!isCanonicalUuid(e.orgId) || (e.integrationId !== null && !isCanonicalUuid(e.integrationId))) return undefined;
    if (!Number.isFinite(e.receivedAt.getTime())) return undefined;
    const h = (headers[i] = json(e.headers));
    const m = (metas[i] = jsonMeta(e.meta));
    capacity +=
      ROW_FIXED_BYTES + e.body.length +
      3 * (e.source.length + e.sourceKey.length + e.deliveryKey.length + e.deliveryKeySource.length + e.eventType.length +
        (e.action?.length ?? 0) + (e.contentType?.length ?? 0) + (h?.length ?? 0) + (m?.length ?? 0) + e.status.length);
  }
  const out = Buffer.allocUnsafe(capacity);
  let at = SIGNATURE.copy(out, 0);
  at = out.writeInt32BE(0, at); // flags: no OIDs
  at = out.writeInt32BE(0, at); // header extension length
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    at = out.writeInt16BE(FIELDS, at);
    at = putUuid(out, at, e.orgId);
    at = putText(out, at, e.source);
    at = putText(out, at, e.sourceKey);
    at = putUuid(out, at, e.integrationId);
    at = putText(out, at, e.deliveryKey);
    at = putText(out, at, e.deliveryKeySource);
    at = putText(out, at, e.eventType);
    at = putText(out, at, e.action);
    at = putText(out, at, e.contentType);
    at = putJsonb(out, at, headers[i]);
    at = putJsonb(out, at, metas[i]);
    at = out.writeInt32BE(e.body.length, at);
    at += e.body.copy(out, at);
    at = out.writeInt32BE(8, at);
    at = writeTimestamp(out, e.receivedAt.getTime(), at);
    at = putText(out, at, e.status);
    at = out.writeInt32BE(4, at);
    at = out.writeInt32BE(i, at);
  }
  at = out.writeInt16BE(-1, at); // trailer
  return out.subarray(0, at);
}

/** JSON.stringify, remembering the last object it was given (the parameter path stringifies the same way). */
function jsonOnce(): (value: unknown) => string | undefined {
  let last: unknown;
  let lastText: string | undefined;
  let primed = false;
  return (value) => {
    if (primed && value === last && typeof value === 'object') return lastText;
    primed = true;
    last = value;
    lastText = JSON.stringify(value) as string | undefined;
    return lastText;
  };
}

/** A text field: its UTF-8 length and bytes, or NULL. Short ASCII strings (most keys) byte by byte: no native call. */
function putText(out: Buffer, at: number, value: string | null | undefined): number {
  if (value === null || value === undefined) return out.writeInt32BE(-1, at);
  const length = writeUtf8(out, at + 4, value);
  out.writeInt32BE(length, at);
  return at + 4 + length;
}

/** A jsonb field: format version 1, then the JSON text. */
function putJsonb(out: Buffer, at: number, value: string | undefined): number {
  if (value === undefined) return out.writeInt32BE(-1, at);
  out[at + 4] = JSONB_VERSION;
  const length = writeUtf8(out, at + 5, value);
  out.writeInt32BE(length + 1, at);
  return at + 5 + length;
}

/** A uuid field: its 16 bytes (the caller checked the canonical form). */
function putUuid(out: Buffer, at: number, value: string | null): number {
  if (value === null) return out.writeInt32BE(-1, at);
  at = out.writeInt32BE(16, at);
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) continue;
    const high = hexValue(value.charCodeAt(i));
    const low = hexValue(value.charCodeAt(++i));
    out[at++] = (high << 4) | low;
  }
  return at;
}

function hexValue(code: number): number {
  return code <= 57 ? code - 48 : (code | 0x20) - 87; // '0'-'9', 'a'-'f' or 'A'-'F'
}

const SHORT_STRING = 64;

function writeUtf8(out: Buffer, at: number, value: string): number {
  const n = value.length;
  if (n <= SHORT_STRING) {
    let i = 0;
    for (; i < n; i++) {
      const code = value.charCodeAt(i);
      if (code >= 0x80) break;
      out[at + i] = code;
    }
    if (i === n) return n;
  }
  return out.write(value, at, 'utf8');
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const FIELDS = 15;
/** Per row besides the body and the text: field count, 15 lengths, two uuids, a timestamp, an int4, two jsonb versions. */
const ROW_FIXED_BYTES = 2 + FIELDS * 4 + 16 + 16 + 8 + 4 + 2;
const JSONB_VERSION = 1;
/** PostgreSQL's timestamp epoch, 2000-01-01T00:00:00Z, in Unix milliseconds. */
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
const CANONICAL_UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function isCanonicalUuid(value: string): boolean {
  return CANONICAL_UUID.test(value);
}

/**
 * A timestamptz in binary form: a signed 64-bit count of microseconds since 2000-01-01 UTC. A JavaScript date has
 * whole milliseconds; within ±285 years of 2000 the count is a safe integer, written as two exact 32-bit halves
 * (cheaper than a BigInt); further out, through a BigInt.
 */
export function writeTimestamp(out: Buffer, unixMs: number, at: number): number {
  const micros = (unixMs - POSTGRES_EPOCH_MS) * 1000;
  if (!Number.isSafeInteger(micros)) return out.writeBigInt64BE((BigInt(unixMs) - BigInt(POSTGRES_EPOCH_MS)) * 1000n, at);
  const high = Math.floor(micros / 0x1_0000_0000);
  at = out.writeInt32BE(high, at);
  return out.writeUInt32BE(micros - high * 0x1_0000_0000, at);
}
