import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PipelineService } from '../pipeline.service';

/** Every table the pipeline derives from the raw store, in an order that respects nothing but itself (no FKs). */
export const DERIVED_TABLES = [
  'agent_attributions',
  'agent_metric_points',
  'agent_runs',
  'agent_session_git_refs',
  'agent_sessions',
  'agent_usage_daily',
  'agent_usage_team_members',
  'experiments',
  'links',
  'work_signals',
  'incidents',
  'deployments',
  'ci_runs',
  'reviews',
  'commits',
  'pull_requests',
  'branches',
  'work_item_transitions',
  'work_items',
  'identities',
] as const;

export interface ReprocessProgress {
  done: number;
  total: number;
}

/**
 * Rebuilds every domain table and experiment of an org from its raw store: clears the derived rows, marks
 * every raw event (but the ignored ones) pending again, and drains the pipeline. The same raw events give
 * the same rows whatever the processing order (`shuffleSeed` proves it in the tests).
 */
@Injectable()
export class ReprocessService {
  constructor(private readonly dataSource: DataSource, private readonly pipeline: PipelineService) {}

  async reprocess(orgId: string, options: { shuffleSeed?: number; onProgress?: (p: ReprocessProgress) => void } = {}): Promise<ReprocessProgress> {
    const total = await this.dataSource.transaction(async (m) => {
      for (const table of DERIVED_TABLES) await m.query(`DELETE FROM ${table} WHERE org_id = $1`, [orgId]);
      // Who is who is derived too, except the people a teams file declared.
      await m.query(`DELETE FROM identity_people WHERE org_id = $1`, [orgId]);
      await m.query(`DELETE FROM people WHERE org_id = $1 AND origin = 'resolved'`, [orgId]);
      const reset: [unknown, number] = await m.query(
        `UPDATE raw_events SET status = 'pending', status_reason = NULL, attempts = 0, next_attempt_at = NULL, processed_at = NULL
         WHERE org_id = $1 AND status <> 'ignored'`,
        [orgId],
      );
      return reset[1];
    });
    options.onProgress?.({ done: 0, total });
    let done = 0;
    await this.pipeline.drain({ shuffleSeed: options.shuffleSeed, onProgress: (n) => {
      done = Math.min(n, total);
      options.onProgress?.({ done, total });
    } });
    // The batches built only the experiments they touched; one full build at the end makes a reprocess also the
    // way to rebuild every experiment of the org (it changes nothing when the batches missed nothing).
    await this.pipeline.rebuildExperiments(orgId);
    return { done: total, total };
  }
}
