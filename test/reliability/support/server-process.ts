import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './pg-cluster';
import { onExit } from './processes';

/** The built server (`npm run build` → server/dist/main.js) as its own process, as `npm start` runs it. */
export const ROOT = join(__dirname, '../../..');
export const MAIN_JS = join(ROOT, 'server/dist/main.js');
export const ADMIN_TOKEN = 'reliability-admin-token-0123456789abcdef';

export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Everything the process wrote (stdout and stderr). */
  output(): string;
  /** Resident set size in bytes, from /proc (Linux). */
  rss(): number;
  /** Peak resident set size (VmHWM) in bytes. */
  peakRss(): number;
  /** Sends the signal; resolves with how the process ended: `code 0`, `signal SIGKILL`... */
  kill(signal: NodeJS.Signals): Promise<string>;
  exited: Promise<string>;
}

export interface SpawnOptions {
  dataDir: string;
  databaseUrl?: string;
  port?: number;
  env?: Record<string, string>;
}

export async function spawnServer(options: SpawnOptions): Promise<ServerProcess> {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run npm run build first (npm run test:reliability does)`);
  const port = options.port ?? (await freePort());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: options.dataDir,
    LOOPMETER_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    REGRESSIONS_INTERVAL_MINUTES: '0',
    ...options.env,
  };
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  else delete env.DATABASE_URL;
  const child = spawn(process.execPath, [MAIN_JS], { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-200_000)));
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-200_000)));
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`)));
  const unregister = onExit(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  void exited.then(unregister);
  const url = `http://127.0.0.1:${port}`;
  const status = (field: string) => {
    const text = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : 0;
  };
  const server: ServerProcess = {
    url,
    port,
    pid: child.pid!,
    child,
    output: () => output,
    rss: () => status('VmRSS'),
    peakRss: () => status('VmHWM'),
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    exited,
  };
  // Ready when health answers 200 (migrated, database reachable).
  const deadline = Date.now() + 90_000;
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  for (;;) {
    if (exitedEarly) throw new Error(`the server exited during start:\n${output}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.status === 200) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server did not become healthy within 90 s:\n${output}`);
    }
    await sleep(100);
  }
}
