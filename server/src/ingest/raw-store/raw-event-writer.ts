import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../core/config/app-config';
import { AppException, DatabaseUnavailableException } from '../../core/errors/app.exception';
import { isDatabaseDown } from '../../core/errors/error-response';
import { INSERT_RAW_EVENTS_SQL } from './insert-raw-events.sql';
import type { RawEventInput, RawWriteOutcome } from './raw-event';

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

interface Waiting {
  events: RawEventInput[];
  resolve(outcomes: RawWriteOutcome[]): void;
  reject(error: unknown): void;
}

/**
 * Group commit for the raw store. Requests that arrive while a batch is being written wait together and
 * are written by the next single statement; each request is answered once the statement that holds its
 * rows has committed, so a 2xx always means stored. A duplicate delivery is reported, never written twice.
 */
@Injectable()
export class RawEventWriter {
  private readonly logger = new Logger(RawEventWriter.name);
  private queue: Waiting[] = [];
  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly listeners: Array<() => void> = [];

  constructor(private readonly dataSource: DataSource, config: AppConfig) {
    this.maxInFlight = config.embedded ? 1 : Math.min(MAX_IN_FLIGHT, config.databasePoolSize);
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
    const column = <T>(pick: (e: RawEventInput) => T): T[] => events.map(pick);
    const values = [
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
    type Row = { id: string; org_id: string; source: string; source_key: string; delivery_key: string };
    const pool = (this.dataSource.driver as unknown as { master?: Pool }).master;
    let rows: Row[];
    if (pool) {
      // A named prepared statement, parsed and planned once per connection instead of for every batch (PostgreSQL's
      // CPU per delivery 0.10 → 0.06 ms), on TypeORM's own pool so its connection settings apply.
      const client = await pool.connect();
      // A checked-out client reports a lost connection as an 'error' event, which the pool only listens to on idle
      // clients: without a listener it would end the process. The query's own rejection says what went wrong.
      const ignore = () => undefined;
      client.on('error', ignore);
      let lost = false;
      try {
        rows = (await client.query<Row>({ name: statementName(client), text: INSERT_RAW_EVENTS_SQL, values })).rows;
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
      rows = await this.dataSource.query(INSERT_RAW_EVENTS_SQL, values);
    }
    // The first occurrence of a key in arrival order is the one inserted; any later one is a duplicate.
    const insertedIds = new Map(rows.map((r) => [dedupeKey(r.org_id, r.source, r.source_key, r.delivery_key), r.id]));
    return events.map((e) => {
      const key = dedupeKey(e.orgId, e.source, e.sourceKey, e.deliveryKey);
      const id = insertedIds.get(key);
      if (id === undefined) return { outcome: 'duplicate' };
      insertedIds.delete(key);
      return { outcome: 'inserted', id };
    });
  }
}

/**
 * The insert's statement name on one client: unique to the client, not only to the statement. Several clients can
 * share one database session (the embedded database serves the server and the CLI from one; a transaction-mode
 * pooler), and a session refuses a second PREPARE of a name it holds.
 */
const statementNames = new WeakMap<PoolClient, string>();
let statementCount = 0;
function statementName(client: PoolClient): string {
  let name = statementNames.get(client);
  if (!name) {
    name = `loopmeter_insert_raw_events_${process.pid}_${++statementCount}_${randomBytes(4).toString('hex')}`;
    statementNames.set(client, name);
  }
  return name;
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

function dedupeKey(orgId: string, source: string, sourceKey: string, deliveryKey: string): string {
  return JSON.stringify([orgId, source, sourceKey, deliveryKey]);
}
