import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RegressionFinding, RegressionListQuery, RegressionRun, UpdateRegressionRequest } from '@loopmeter/shared';
import { AlertDeliveryWorker } from '../alerts/alert-delivery.worker';
import { AlertDestinationsService } from '../alerts/alert-destinations.service';
import { detectionWindows, detectRegressions, type DetectionResult } from './detection/detect-regressions';
import { DEFAULT_DETECTION_OPTIONS } from './detection/thresholds';
import { findingsStore } from './findings.store';
import { readObservations, type Query } from './observations/read-observations';
import { RegressionException } from './regressions.exception';

/** An arbitrary constant: with the org's hash, the advisory lock that serialises runs of one org. */
const RUN_LOCK_KEY = 7_460_312;

/**
 * Regression detection as a use case: read the observations of both windows from the domain tables, run the
 * detector, and apply its verdicts to the findings in one transaction:
 * - a regression with an open or acknowledged finding of its key refreshes that finding's numbers;
 * - one whose latest finding a person resolved while it still held refreshes that finding, which stays
 *   resolved (the same episode; nobody is alerted again);
 * - otherwise it opens a finding, and queues its alerts in the same transaction;
 * - a (metric, scope) that was tested and no longer regresses resolves its open or acknowledged finding, and
 *   ends the episode of a finding a person resolved (a later regression opens a new finding);
 * - a (metric, scope) too small to test this time leaves its findings as they are.
 */
@Injectable()
export class RegressionsService {
  private readonly logger = new Logger('regressions');

  constructor(
    private readonly dataSource: DataSource,
    private readonly destinations: AlertDestinationsService,
    private readonly deliveries: AlertDeliveryWorker,
  ) {}

  async run(orgId: string, asOf: Date = new Date()): Promise<RegressionRun> {
    const windows = detectionWindows(asOf, DEFAULT_DETECTION_OPTIONS.recentDays, DEFAULT_DETECTION_OPTIONS.baselineDays);
    const query: Query = (q) => this.dataSource.query(q.text, q.params);
    const observations = await readObservations(query, orgId, windows.baseline.from, windows.recent.to);
    const result = detectRegressions(observations, { asOf });
    const applied = await this.apply(orgId, asOf, result);
    if (applied.alertsQueued > 0) this.deliveries.nudge();
    this.logger.log({ msg: 'regression run', org: orgId, observations: observations.length, tests: applied.tests, opened: applied.opened, resolved: applied.resolved });
    return applied;
  }

  list(orgId: string, query: RegressionListQuery, teams?: readonly string[]): Promise<RegressionFinding[]> {
    return findingsStore.list(this.dataSource, orgId, query, teams);
  }

  async update(id: string, request: UpdateRegressionRequest, orgId: string): Promise<RegressionFinding> {
    const current = await findingsStore.get(this.dataSource, orgId, id);
    if (!current) throw RegressionException.notFound(id);
    if (current.status === 'resolved') {
      if (request.status === 'resolved') return current;
      throw RegressionException.alreadyResolved(id);
    }
    if (current.status === request.status) return current;
    const updated = await findingsStore.setStatus(this.dataSource, orgId, id, request.status, 'user');
    // Resolved in between by a run: answer what is stored.
    return updated ?? (await findingsStore.get(this.dataSource, orgId, id))!;
  }

  private apply(orgId: string, asOf: Date, result: DetectionResult): Promise<RegressionRun> {
    return this.dataSource.transaction(async (m) => {
      // Two runs of one org (the scheduler and an on-demand run, or two servers) apply one after the other.
      await m.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [RUN_LOCK_KEY, orgId]);
      const active = await findingsStore.active(m, orgId);
      const resolvedByUser = await findingsStore.resolvedByUserUncleared(m, orgId);
      const findings: RegressionFinding[] = [];
      let opened = 0;
      let updated = 0;
      let resolved = 0;
      let alertsQueued = 0;
      for (const regression of result.regressions) {
        const existing = active.get(regression.key) ?? resolvedByUser.get(regression.key);
        if (existing) {
          findings.push(await findingsStore.refresh(m, orgId, existing.id, regression, asOf));
          updated++;
        } else {
          const finding = await findingsStore.open(m, orgId, regression, asOf);
          alertsQueued += await this.destinations.enqueue(m, orgId, 'regression.opened', finding);
          findings.push(finding);
          opened++;
        }
      }
      for (const outcome of result.outcomes) {
        if (outcome.outcome === 'regression' || outcome.outcome === 'insufficient-sample') continue;
        const existing = active.get(outcome.key);
        if (existing && (await findingsStore.setStatus(m, orgId, existing.id, 'resolved', 'detector'))) resolved++;
        const dismissed = resolvedByUser.get(outcome.key);
        if (dismissed) await findingsStore.clear(m, orgId, dismissed.id);
      }
      return {
        asOf: asOf.toISOString(),
        recent: { from: result.recent.from.toISOString(), to: result.recent.to.toISOString() },
        baseline: { from: result.baseline.from.toISOString(), to: result.baseline.to.toISOString() },
        tests: result.outcomes.filter((o) => o.outcome !== 'insufficient-sample').length,
        skipped: result.outcomes.filter((o) => o.outcome === 'insufficient-sample').length,
        opened,
        updated,
        resolved,
        alertsQueued,
        findings,
      };
    });
  }
}
