import { Injectable } from '@nestjs/common';
import type { IngestOutcome } from '@loopmeter/shared';

/**
 * Deliveries received by this process, by source and outcome (rejections are never stored, so they are
 * counted here). Per process, like any Prometheus counter: a scraper sums instances and handles restarts.
 */
@Injectable()
export class IngestCounters {
  readonly since = new Date();
  private readonly counts = new Map<string, { source: string; outcome: IngestOutcome; count: number }>();

  add(source: string, outcome: IngestOutcome, n = 1): void {
    if (n <= 0) return;
    const key = `${source}\u0000${outcome}`;
    const entry = this.counts.get(key);
    if (entry) entry.count += n;
    else this.counts.set(key, { source, outcome, count: n });
  }

  snapshot(): Array<{ source: string; outcome: IngestOutcome; count: number }> {
    return [...this.counts.values()].map((e) => ({ ...e })).sort((a, b) => a.source.localeCompare(b.source) || a.outcome.localeCompare(b.outcome));
  }
}
