import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The embedded database belongs to one process. This lock file in DATA_DIR says which, and on which port
 * it serves, so a second server refuses to start and the CLI knows to go through the running server.
 */
export interface DataDirLockInfo {
  pid: number;
  port?: number;
  startedAt: string;
}

export function lockPath(dataDir: string): string {
  return join(dataDir, 'loopmeter.lock');
}

export function readDataDirLock(dataDir: string): DataDirLockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as DataDirLockInfo;
    return typeof info.pid === 'number' && isAlive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

export class DataDirInUseError extends Error {
  constructor(readonly holder: DataDirLockInfo, dataDir: string) {
    super(
      `The embedded database in ${dataDir} is in use by another Loopmeter process (pid ${holder.pid}). ` +
        'Stop it first, use another DATA_DIR, or set DATABASE_URL to share a PostgreSQL server.',
    );
  }
}

/** Data dirs locked by this process: a second open from the same process is refused too. */
const heldHere = new Set<string>();

export class DataDirLock {
  private constructor(private readonly dataDir: string, private info: DataDirLockInfo) {}

  static acquire(dataDir: string): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const holder = readDataDirLock(dataDir);
    if (holder && (holder.pid !== process.pid || heldHere.has(dataDir))) throw new DataDirInUseError(holder, dataDir);
    const lock = new DataDirLock(dataDir, { pid: process.pid, startedAt: new Date().toISOString() });
    lock.write();
    heldHere.add(dataDir);
    return lock;
  }

  setPort(port: number): void {
    this.info = { ...this.info, port };
    this.write();
  }

  release(): void {
    heldHere.delete(this.dataDir);
    const holder = readDataDirLock(this.dataDir);
    if (holder?.pid === process.pid) rmSync(lockPath(this.dataDir), { force: true });
  }

  private write(): void {
    writeFileSync(lockPath(this.dataDir), JSON.stringify(this.info), { mode: 0o600 });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
