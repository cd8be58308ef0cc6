import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPgCluster, type PgCluster } from './pg-cluster';
import type { ServerProcess } from './server-process';

/** What a reliability suite runs on, made before its tests and removed after them. */
export interface SuiteResources {
  /** The server's DATA_DIR: a temporary folder of the suite's own. */
  dataDir: string;
  /** A throwaway PostgreSQL cluster with a `loopmeter` database (only with `{ cluster: true }`). */
  cluster: PgCluster;
  /** The server the suite started last: killed with SIGKILL after the suite. */
  server: ServerProcess | undefined;
}

/** Registers the suite's beforeAll and afterAll: a data folder `<prefix>…` and, with `cluster`, a cluster of its own. */
export function suiteResources(prefix: string, options: { cluster?: boolean } = {}): SuiteResources {
  const resources = { server: undefined } as SuiteResources;
  beforeAll(async () => {
    if (options.cluster) {
      resources.cluster = await startPgCluster();
      await resources.cluster.createDatabase('loopmeter');
    }
    resources.dataDir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await resources.server?.kill('SIGKILL');
    resources.cluster?.destroy();
    if (resources.dataDir) rmSync(resources.dataDir, { recursive: true, force: true });
  });
  return resources;
}
