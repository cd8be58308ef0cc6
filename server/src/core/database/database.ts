import type { AppConfig } from '../config/app-config';
import type { DatabaseTarget } from './data-source';
import { DataDirLock } from './data-dir-lock';
import { embeddedDataDir, startEmbeddedPostgres } from './embedded-postgres';

/** The database the server talks to, and how to let it go at shutdown. */
export interface DatabaseHandle extends DatabaseTarget {
  /** Set in embedded mode: the lock that says this process owns DATA_DIR. */
  lock?: DataDirLock;
  close(): Promise<void>;
}

/** DATABASE_URL set: that server. Unset: the embedded PostgreSQL in DATA_DIR, owned by this process. */
export async function openDatabase(config: AppConfig): Promise<DatabaseHandle> {
  if (config.databaseUrl) {
    return { url: config.databaseUrl, kind: 'postgres', poolSize: config.databasePoolSize, close: async () => undefined };
  }
  const lock = DataDirLock.acquire(config.dataDir);
  try {
    const embedded = await startEmbeddedPostgres({ dataDir: embeddedDataDir(config.dataDir) });
    return {
      url: embedded.url,
      kind: 'embedded',
      poolSize: 1,
      lock,
      async close() {
        await embedded.close();
        lock.release();
      },
    };
  } catch (e) {
    lock.release();
    throw e;
  }
}
