import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { onExit, run } from './processes';

/**
 * A throwaway PostgreSQL 15 cluster: `initdb` in a temporary folder, its own port on 127.0.0.1 and its own socket
 * folder, never the machine's shared server. When the tests run as root the cluster belongs to the `postgres` user
 * (PostgreSQL refuses to run as root), through `runuser`.
 */
const BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

export interface PgCluster {
  port: number;
  dir: string;
  /** A URL for the database `name` (created with `createDatabase`) or `postgres`. */
  url(name?: string): string;
  createDatabase(name: string): Promise<void>;
  /** Stops the server: `immediate` is a crash (no checkpoint, recovery on start), `fast` a clean stop. */
  stop(mode?: 'immediate' | 'fast'): void;
  start(): void;
  isRunning(): boolean;
  /** Stops it and removes its folder. */
  destroy(): void;
  log(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function asOwner(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

export async function startPgCluster(): Promise<PgCluster> {
  if (!existsSync(join(BIN, 'initdb'))) throw new Error(`PostgreSQL binaries not found in ${BIN} (set PG_BIN_DIR)`);
  const dir = mkdtempSync(join(tmpdir(), 'loopmeter-pgcluster-'));
  if (process.getuid?.() === 0) {
    const ids = run('id', ['-u', 'postgres']).output.trim();
    const gid = run('id', ['-g', 'postgres']).output.trim();
    chownSync(dir, Number(ids), Number(gid));
  }
  const data = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const port = await freePort();
  const pgCtl = (args: string[], allowFail = false) => {
    const [cmd, full] = asOwner(join(BIN, 'pg_ctl'), args);
    return run(cmd, full, { allowFail });
  };
  let running = false;
  const stop = (mode: 'immediate' | 'fast' = 'fast') => {
    pgCtl(['-D', data, '-m', mode, '-w', 'stop'], !running);
    running = false;
  };
  const destroy = () => {
    if (existsSync(join(data, 'postmaster.pid'))) pgCtl(['-D', data, '-m', 'immediate', '-w', 'stop'], true);
    running = false;
    rmSync(dir, { recursive: true, force: true });
  };
  const unregister = onExit(destroy);

  const [initdb, initArgs] = asOwner(join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-instructions']);
  run(initdb, initArgs);
  const start = () => {
    pgCtl(['-D', data, '-l', logFile, '-w', '-t', '60', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c max_connections=50 -c jit=off`, 'start']);
    running = true;
  };
  start();
  const url = (name = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${name}`;
  return {
    port,
    dir,
    url,
    async createDatabase(name: string) {
      const client = new Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
    },
    stop,
    start,
    isRunning: () => running,
    destroy() {
      unregister();
      destroy();
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
  };
}
