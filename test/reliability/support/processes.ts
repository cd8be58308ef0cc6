import { spawnSync } from 'node:child_process';

/**
 * Child processes and temporary folders the reliability suite starts, cleaned up whatever happens: by the test's
 * afterAll, and (synchronously) when the jest worker exits or is interrupted.
 */
const cleanups = new Map<number, () => void>();
let nextId = 1;
let installed = false;

/** Registers a synchronous clean-up for process exit; returns a function that unregisters it. */
export function onExit(cleanup: () => void): () => void {
  if (!installed) {
    installed = true;
    const runAll = () => {
      for (const fn of [...cleanups.values()].reverse()) {
        try {
          fn();
        } catch {
          // best effort: the next clean-up still runs
        }
      }
      cleanups.clear();
    };
    process.once('exit', runAll);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        runAll();
        process.exit(130);
      });
    }
  }
  const id = nextId++;
  cleanups.set(id, cleanup);
  return () => cleanups.delete(id);
}

/** Runs a command to completion; throws with its output when it fails. */
export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; allowFail?: boolean } = {}): { code: number; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', env: options.env ?? process.env, timeout: 120_000 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  const code = result.status ?? -1;
  if (code !== 0 && !options.allowFail) throw new Error(`${command} ${args.join(' ')} exited ${code}: ${output}${result.error ? String(result.error) : ''}`);
  return { code, output };
}
