/**
 * When a batch refreshes the rollups its changes marked dirty (pipeline step 7, docs/pipeline.md).
 *
 * A batch of a short queue always does, before it commits: a delivery's metric is fresh as soon as its batch commits.
 * During a backlog (a bulk load, a reprocess, a restart after an outage: the batches come back full) that refresh costs
 * per day touched, not per event, and the days are the same batch after batch: at 10 million raw events a day holds
 * ~27,000 of them, so batches of 5,000 recomputed each day six times, and the refresh took most of the worker's time.
 * So while batches are full, an org's refresh waits until the batches since its last refresh have taken `factor` times
 * as long as that refresh took: the refresh then takes at most about 1 / (1 + factor) of the worker's time, and a
 * day is recomputed once for many batches. The waiting keys stay in rollup_dirty, where every reader already looks:
 * a metric over them reads the domain tables meanwhile (exact, slower), and the first batch that is not full, the
 * first empty claim or the idle worker recomputes them. Factor 0: every batch refreshes (PIPELINE_BACKLOG_REFRESH_FACTOR).
 *
 * Per process: several workers each pace their own refreshes, and any one of them recomputes every dirty key of the org.
 */
export class RollupRefreshPacer {
  private readonly last = new Map<string, { endedAt: number; tookMs: number }>();
  private readonly waiting = new Set<string>();

  constructor(private readonly factor: number) {}

  /** Whether the batch (`backlog`: it came back full) refreshes the org's rollups now; if not, the org waits. */
  due(org: string, backlog: boolean, now: number): boolean {
    const last = this.last.get(org);
    const due = !backlog || this.factor === 0 || !last || now - last.endedAt >= this.factor * last.tookMs;
    if (!due) this.waiting.add(org);
    return due;
  }

  /** Records a refresh of the org's rollups (its duration paces the next one during a backlog). */
  refreshed(org: string, startedAt: number, endedAt: number): void {
    this.last.set(org, { endedAt, tookMs: endedAt - startedAt });
    this.waiting.delete(org);
  }

  /** Orgs whose refresh this process put off and has not done since. */
  waitingOrgs(): string[] {
    return [...this.waiting];
  }
}
