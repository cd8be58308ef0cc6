import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  /** postgres:// URL of the socket that speaks the PostgreSQL wire protocol for this PGlite. */
  url: string;
  /** Resolves once no client is connected (a closed client is released a tick after it goes). */
  waitForIdle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * An embedded PostgreSQL (PGlite) exposed on 127.0.0.1 through pglite-socket, so the server uses the
 * same `pg` driver, SQL and migrations as on a real PostgreSQL server. PGlite has one session: exactly one
 * client connection may be open (more mixes protocol streams), so the pool on top must have `max: 1`.
 */
export async function startEmbeddedPostgres(options: { dataDir?: string; loadDataDir?: Blob | File }): Promise<EmbeddedPostgres> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir: options.dataDir, loadDataDir: options.loadDataDir });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
  await server.start();
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  let closed = false;
  return {
    url,
    async waitForIdle() {
      while (server.getStats().activeConnections > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    async close() {
      if (closed) return;
      closed = true;
      await server.stop();
      await db.close();
    },
  };
}

export function embeddedDataDir(dataDir: string): string {
  return join(dataDir, 'pglite');
}
