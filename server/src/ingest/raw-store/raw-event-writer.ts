import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../core/config/app-config';
import { AppException, DatabaseUnavailableException } from '../../core/errors/app.exception';
import { isDatabaseDown } from '../../core/errors/error-response';
import {
  COPY_RAW_EVENTS_STAGING_SQL,
  CREATE_RAW_EVENTS_STAGING_SQL,
  INSERT_RAW_EVENTS_SQL,
  stagedInsert,
  type StagedInsert,
} from './insert-raw-events.sql';
import type { RawEventInput, RawWriteOutcome } from './raw-event';
import { rawEventsCopyBinary } from './raw-events-copy';

/** Batches stay within the sizes measured to be fast on this machine (DESIGN §6). */
const MAX_BATCH_ROWS = 1_000;
const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/**
 * Batches written at once on PostgreSQL, each on its own connection: while one waits for its commit (the WAL
 * flush), the next is parsed and inserted. Bulk events: 24k → 32-40k events/s on this machine (docs/benchmarks.md).
 * The embedded database has one connection: one batch at a time.
 */
const MAX_IN_FLIGHT = 2;
/** A batch that loses a deadlock or a serialization conflict to another one is written again, this many times. */
const CONFLICT_RETRIES = 3;
/**
 * Batches of at least this many rows go through `COPY` into a staging table on PostgreSQL (bulk events: a request
 * of 5,000 events is a batch of its own). Below it the 15-array statement is as cheap for the database, and one
 * round trip instead of four: webhook group commit stays on it (docs/benchmarks.md, Ingest).
 */
export const COPY_MIN_ROWS = 1_000;
/** COPY data is sent in messages of at most this size, so the database never holds a whole 25 MB request in one. */
const COPY_CHUNK_BYTES = 1024 * 1024;

interface Waiting {
  events: RawEventInput[];
  resolve(outcomes: RawWriteOutcome[]): void;
  reject(error: unknown): void;
}

/**
 * Group commit for the raw store. Requests that arrive while a batch is being written wait together and
 * are written by the next single statement (a large batch on PostgreSQL: one transaction of COPY and insert);
 * each request is answered once the statement that holds its rows has committed, so a 2xx always means
 * stored. A duplicate delivery is reported, never written twice.
 */
@Injectable()
export class RawEventWriter {
  private readonly logger = new Logger(RawEventWriter.name);
  private queue: Waiting[] = [];
  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly listeners: Array<() => void> = [];
  /**
   * Whether the database takes `COPY ... FROM STDIN`: not the embedded one (PGlite ends the session at the first
   * CopyData message, "protocol synchronization was lost"), whatever the configuration says it is, so the server
   * asks once (`version()` names PGlite).
   */
  private copySupported: Promise<boolean> | undefined;
  /**
   * Whether the last staged batch held a delivery already stored: the next one then goes straight to ON CONFLICT
   * instead of trying a plain insert first (`stagedInsert`), so a sender re-sending what is stored costs one insert
   * a batch, not two.
   */
  private stagedDuplicates = false;

  constructor(private readonly dataSource: DataSource, config: AppConfig) {
    this.maxInFlight = config.embedded ? 1 : Math.min(MAX_IN_FLIGHT, config.databasePoolSize);
    if (config.embedded) this.copySupported = Promise.resolve(false);
  }

  /** Called after a batch that stored new rows has committed (the pipeline worker listens, to start at once). */
  onStored(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Stores the events (one request's worth) and says, for each, whether it was new. */
  write(events: RawEventInput[]): Promise<RawWriteOutcome[]> {
    if (events.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.startWriters();
    });
  }

  /** Keeps up to maxInFlight batches going while requests wait; each takes what queued while the others wrote. */
  private startWriters(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      this.inFlight++;
      const batch = this.takeBatch();
      this.writeBatch(batch)
        .catch((e: unknown) => this.logger.error({ msg: 'raw store writer failed', err: String(e) }))
        .finally(() => {
          this.inFlight--;
          this.startWriters();
        });
    }
  }

  /** Whole requests, up to the row and byte limits (a request larger than the limits goes alone). */
  private takeBatch(): Waiting[] {
    const batch: Waiting[] = [];
    let rows = 0;
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      const nextBytes = next.events.reduce((sum, e) => sum + e.body.length, 0);
      if (batch.length > 0 && (rows + next.events.length > MAX_BATCH_ROWS || bytes + nextBytes > MAX_BATCH_BYTES)) break;
      batch.push(this.queue.shift()!);
      rows += next.events.length;
      bytes += nextBytes;
    }
    return batch;
  }

  private async writeBatch(batch: Waiting[], attempt = 0): Promise<void> {
    const events = batch.flatMap((w) => w.events);
    try {
      const outcomes = await this.insert(events);
      if (outcomes.some((o) => o.outcome === 'inserted')) for (const listener of this.listeners) listener();
      let offset = 0;
      for (const waiting of batch) {
        waiting.resolve(outcomes.slice(offset, offset + waiting.events.length));
        offset += waiting.events.length;
      }
    } catch (error) {
      // Integrations are locked in one order by every batch; only copies of the same deliveries racing in
      // opposite orders can deadlock, and the batch written again finds them stored.
      if (isConflict(error) && attempt < CONFLICT_RETRIES) return this.writeBatch(batch, attempt + 1);
      if (isDatabaseDown(error) || batch.length === 1) {
        const failure = isDatabaseDown(error) ? new DatabaseUnavailableException() : (unstorable(error) ?? error);
        for (const waiting of batch) waiting.reject(failure);
        return;
      }
      // Something in the batch the database refused: write each request alone so only its own fails.
      for (const waiting of batch) await this.writeBatch([waiting]);
    }
  }

  private async insert(events: RawEventInput[]): Promise<RawWriteOutcome[]> {
    // A batch of one org, source and source key (every events API request, most webhook batches): the delivery key
    // alone tells its rows apart.
    const first = events[0];
    const oneSource = events.every((e) => e.orgId === first.orgId && e.source === first.source && e.sourceKey === first.sourceKey);
    const keys = oneSource ? events.map((e) => e.deliveryKey) : events.map((e) => dedupeKey(e.orgId, e.source, e.sourceKey, e.deliveryKey));
    const pool = (this.dataSource.driver as unknown as { master?: Pool }).master;
    // Each inserted row's key (as in `keys`) and id.
    let inserted: Map<string, string>;
    if (pool) {
      // On TypeORM's own pool so its connection settings apply.
      const client = await pool.connect();
      // A checked-out client reports a lost connection as an 'error' event, which the pool only listens to on idle
      // clients: without a listener it would end the process. The query's own rejection says what went wrong.
      const ignore = () => undefined;
      client.on('error', ignore);
      let lost = false;
      try {
        const copy = events.length >= COPY_MIN_ROWS && (await this.supportsCopy(client)) ? rawEventsCopyBinary(events) : undefined;
        if (copy) {
          // A plain insert first, unless a key repeats within the batch (the first must win, not fail) or the last
          // staged batch held stored deliveries.
          const plainFirst = !this.stagedDuplicates && new Set(keys).size === keys.length;
          const staged = await insertStaged(client, copy, plainFirst, oneSource);
          inserted = new Map(staged.rows.map((r) => (oneSource ? [r[1], r[0]] : [dedupeKey(r[1], r[2], r[3], r[4]), r[0]])));
          this.stagedDuplicates = staged.retried || staged.rows.length < events.length;
        } else {
          // A named prepared statement, parsed and planned once per connection instead of for every batch (PostgreSQL's
          // CPU per delivery 0.10 → 0.06 ms).
          const rows = (await client.query<InsertedRow>({ name: statementName(client, 'params'), text: INSERT_RAW_EVENTS_SQL, values: parameters(events) })).rows;
          inserted = insertedByKey(rows, oneSource);
        }
      } catch (error) {
        lost = isDatabaseDown(error);
        throw error;
      } finally {
        // A lost connection is closed rather than given back to the pool; one that answered with an error (a deadlock
        // the writer retries) is reused.
        client.off('error', ignore);
        client.release(lost);
      }
    } else {
      inserted = insertedByKey(await this.dataSource.query(INSERT_RAW_EVENTS_SQL, parameters(events)), oneSource);
    }
    // The first occurrence of a key in arrival order is the one inserted; any later one is a duplicate.
    return keys.map((key) => {
      const id = inserted.get(key);
      if (id === undefined) return { outcome: 'duplicate' };
      inserted.delete(key);
      return { outcome: 'inserted', id };
    });
  }

  private supportsCopy(client: PoolClient): Promise<boolean> {
    if (!this.copySupported) {
      const asked = client.query<{ version: string }>('SELECT version() AS version').then((r) => !/pglite/i.test(r.rows[0]?.version ?? ''));
      // Asked again after a failure (the database was down, say).
      this.copySupported = asked.catch((error: unknown) => {
        this.copySupported = undefined;
        throw error;
      });
    }
    return this.copySupported;
  }
}

type InsertedRow = { id: string; org_id: string; source: string; source_key: string; delivery_key: string };

function insertedByKey(rows: InsertedRow[], oneSource: boolean): Map<string, string> {
  return new Map(rows.map((r) => [oneSource ? r.delivery_key : dedupeKey(r.org_id, r.source, r.source_key, r.delivery_key), r.id]));
}

/** The 15 array parameters of INSERT_RAW_EVENTS_SQL. */
function parameters(events: RawEventInput[]): unknown[] {
  const column = <T>(pick: (e: RawEventInput) => T): T[] => events.map(pick);
  return [
    column((e) => e.orgId),
    column((e) => e.source),
    column((e) => e.sourceKey),
    column((e) => e.integrationId),
    column((e) => e.deliveryKey),
    column((e) => e.deliveryKeySource),
    column((e) => e.eventType),
    column((e) => e.action),
    column((e) => e.contentType),
    column((e) => JSON.stringify(e.headers)),
    column((e) => JSON.stringify(e.meta)),
    // The bodies as one binary bytea[] parameter: as a text array, each body travels hex-escaped (twice its
    // size), built and parsed on both sides.
    byteaArray(events.map((e) => e.body)),
    column((e) => e.receivedAt),
    column((e) => e.status),
    events.map((_, i) => i),
  ];
}

/**
 * A large batch in one transaction: create the session's staging table if it is not there yet, COPY the rows into it,
 * insert them with the same statement as the small path (a named prepared statement too), commit. The answer comes
 * after the commit, as on the small path; any failure rolls the whole transaction back, staged rows included.
 *
 * `plainFirst`: try a plain insert (no ON CONFLICT) first; on a unique violation (a delivery key already stored, or
 * committed meanwhile by another batch) the transaction is rolled back and the batch written again with ON CONFLICT,
 * which then skips those keys: `retried` says so.
 */
async function insertStaged(client: PoolClient, copy: Buffer, plainFirst: boolean, deliveryKeyOnly: boolean): Promise<{ rows: string[][]; retried: boolean }> {
  // One round trip; the CREATE is a no-op (and a notice) once the session has the table. Inside the transaction, so a
  // session shared by turns (a transaction-mode pooler) has the table in every transaction that uses it.
  await client.query(`BEGIN; ${CREATE_RAW_EVENTS_STAGING_SQL}`);
  try {
    await new Promise<void>((resolve, reject) => {
      const stream = client.query(copyFrom(COPY_RAW_EVENTS_STAGING_SQL));
      stream.on('error', reject);
      stream.on('finish', resolve);
      for (let at = 0; at < copy.length; at += COPY_CHUNK_BYTES) stream.write(copy.subarray(at, at + COPY_CHUNK_BYTES));
      stream.end();
    });
    const { variant, text } = stagedInsert(plainFirst, deliveryKeyOnly);
    // Rows as arrays: [id, delivery_key] or [id, org_id, source, source_key, delivery_key].
    const rows = (await client.query<string[]>({ name: statementName(client, variant), text, rowMode: 'array' })).rows;
    await client.query('COMMIT');
    return { rows, retried: false };
  } catch (error) {
    // The error that failed the batch is the one to report; a ROLLBACK that fails too means the connection is gone.
    await client.query('ROLLBACK').catch(() => undefined);
    if (plainFirst && sqlState(error) === UNIQUE_VIOLATION) return { rows: (await insertStaged(client, copy, false, deliveryKeyOnly)).rows, retried: true };
    throw error;
  }
}

const UNIQUE_VIOLATION = '23505';

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The insert's statement names on one client: unique to the client, not only to the statement. Several clients can
 * share one database session (the embedded database serves the server and the CLI from one; a transaction-mode
 * pooler), and a session refuses a second PREPARE of a name it holds. At most 63 bytes (PostgreSQL cuts longer
 * names, and two cut alike would clash): ~45 for the client's part, a short suffix per statement.
 */
const statementNames = new WeakMap<PoolClient, string>();
let statementCount = 0;
const STAGED_SUFFIXES: Record<StagedInsert, string> = { onConflict: 'sc', onConflictDeliveryKeyOnly: 'sck', plain: 'sp', plainDeliveryKeyOnly: 'spk' };
export function statementName(client: PoolClient, statement: 'params' | StagedInsert): string {
  let name = statementNames.get(client);
  if (!name) {
    name = `loopmeter_insert_raw_events_${process.pid}_${++statementCount}_${randomBytes(4).toString('hex')}`;
    statementNames.set(client, name);
  }
  return statement === 'params' ? name : `${name}_${STAGED_SUFFIXES[statement]}`;
}

/** The OID of PostgreSQL's bytea type: the element type a binary bytea[] value declares. */
const BYTEA_OID = 17;

/**
 * A one-dimensional bytea[] in PostgreSQL's binary array format (array_recv): dimensions, no-nulls flag,
 * element type, length and lower bound, then each element as its length and bytes. node-postgres sends a
 * Buffer parameter in binary format, so the bodies reach the database as they are.
 */
export function byteaArray(items: readonly Buffer[]): Buffer {
  const size = 20 + items.reduce((sum, item) => sum + 4 + item.length, 0);
  const out = Buffer.allocUnsafe(size);
  out.writeInt32BE(1, 0); // dimensions
  out.writeInt32BE(0, 4); // no nulls
  out.writeUInt32BE(BYTEA_OID, 8);
  out.writeInt32BE(items.length, 12);
  out.writeInt32BE(1, 16); // lower bound
  let offset = 20;
  for (const item of items) {
    out.writeInt32BE(item.length, offset);
    offset += 4;
    offset += item.copy(out, offset);
  }
  return out;
}

/** A deadlock or serialization failure: the same batch may pass when written again. */
function isConflict(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === '40P01' || code === '40001') return true;
    e = (e as { driverError?: unknown; cause?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * A request whose own content PostgreSQL refuses (SQLSTATE class 22: a NUL character in text, `\u0000` in jsonb...)
 * is the sender's problem, the same on every retry: 400, not 500 (found by the fuzz of test/reliability).
 */
function unstorable(error: unknown): AppException | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      if (!code.startsWith('22')) return undefined;
      return new AppException(HttpStatus.BAD_REQUEST, 'unstorable_content', `The delivery holds content the database cannot store (${(e as Error).message}); nothing was stored.`);
    }
    e = (e as { driverError?: unknown; cause?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The four parts joined by NUL, which PostgreSQL text never holds: a stored row's parts cannot contain it, and a batch
 * with it in a part fails whole, so two different keys never join to the same string (cheaper than JSON, per row).
 */
function dedupeKey(orgId: string, source: string, sourceKey: string, deliveryKey: string): string {
  return `${orgId}\u0000${source}\u0000${sourceKey}\u0000${deliveryKey}`;
}
