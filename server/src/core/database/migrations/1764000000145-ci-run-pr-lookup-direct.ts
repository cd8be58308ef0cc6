import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The GIN index of the runs' PR keys (migration 141) written directly, without its pending list. With GIN's
 * default `fastupdate`, new entries wait in an unsorted list, up to 4 MB, until a vacuum merges them, and every
 * lookup reads the whole list: at 200k raw events, where no vacuum had run, one PR's lookup took 1.1 ms instead of
 * 0.05 ms (21,027 pending runs), and the experiments build and the agent items look up hundreds of PRs per batch.
 * The embedded database never vacuums. The existing list is merged here.
 */
export class CiRunPrLookupDirect1764000000145 implements MigrationInterface {
  name = 'CiRunPrLookupDirect1764000000145';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER INDEX ci_runs_pr_keys_idx SET (fastupdate = off)`);
    await q.query(`SELECT gin_clean_pending_list('ci_runs_pr_keys_idx'::regclass)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER INDEX ci_runs_pr_keys_idx RESET (fastupdate)`);
  }
}
