import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The repository root, from bench/dist. */
export const ROOT = join(__dirname, '..', '..');
export const ORG = '00000000-0000-0000-0000-000000000001';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Peak resident memory of the process so far (VmHWM), MB. */
  peakRssMb(): number;
  /** Resident memory of the process now (VmRSS), MB. */
  rssMb(): number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Samples a process's peak RSS from /proc every second (and on demand), and reads its current RSS. */
export function rssSampler(pid: number | undefined): { peakMb(): number; currentMb(): number; stop(): void } {
  let peak = 0;
  let current = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
      current = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    } catch {
      /* exited */
    }
  };
  const timer = setInterval(sample, 1_000);
  return {
    peakMb: () => {
      sample();
      return Math.round(peak);
    },
    currentMb: () => {
      sample();
      return Math.round(current);
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Starts the built server (server/dist/main.js) with the given environment and waits for /api/health.
 * `DATABASE_URL` unset in `env` runs it on the embedded PGlite in `DATA_DIR`. `nodeArgs` (e.g. `--cpu-prof`) go to node.
 */
export async function startServer(env: Record<string, string>, nodeArgs: string[] = []): Promise<ServerProcess> {
  const port = await freePort();
  const base = { ...process.env };
  delete base.DATABASE_URL;
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'server/dist/main.js')], {
    env: { ...base, PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const rss = rssSampler(child.pid);
  for (let i = 0; i < 240; i++) {
    const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    child,
    url,
    peakRssMb: rss.peakMb,
    rssMb: rss.currentMb,
    async stop() {
      rss.peakMb();
      rss.stop();
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Linear interpolation between closest ranks, q in [0, 1]. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const h = q * (sorted.length - 1);
  const lo = Math.floor(h);
  return sorted[lo] + (h - lo) * ((sorted[Math.ceil(h)] ?? sorted[lo]) - sorted[lo]);
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

/** A database of the bench's own on the PostgreSQL at `adminUrl` (`lm_bench_<random>`), and how to drop it. */
export async function createBenchDatabase(adminUrl: string): Promise<{ admin: Client; name: string; url: URL; drop(): Promise<void> }> {
  const name = `lm_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    admin,
    name,
    url,
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
