/** Domain rows written straight into the tables, for integration tests of the metric SQL. */

type Sql = (text: string, params: unknown[]) => Promise<unknown>;

/** A completed check suite of github acme/web on `sha`, listing `prNumbers`, with `conclusion` at `completed`. */
export async function insertCiRun(sql: Sql, org: string, rawEventId: number, run: { id: string; sha: string; prNumbers: number[]; conclusion: string; completed: string }): Promise<void> {
  await sql(
    `INSERT INTO ci_runs (org_id, source, repo, run_kind, external_id, name, head_sha, status, conclusion, completed_at, pr_numbers, source_updated_at, raw_event_id)
     VALUES ($1, 'github', 'acme/web', 'check_suite', $2, 'ci', $3, 'completed', $4, $5, $6, $5, $7)`,
    [org, run.id, run.sha, run.conclusion, run.completed, run.prNumbers, rawEventId],
  );
}
