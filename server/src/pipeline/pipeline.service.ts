import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';
import { AppConfig } from '../core/config/app-config';
import { refreshRollups } from '../metrics/rollups/refresh-rollups';
import { IdentityResolver } from '../teams/identity-resolver.service';
import { BUILD_EXPERIMENTS_SQL, DEFAULT_EVIDENCE_KINDS } from './experiments/build-experiments.sql';
import { reattribute, type AttributeTarget } from './link/reattribute';
import { loadKnownKeys, relink, sameKnownKeys, targetKey, type LinkTarget } from './link/relink';
import { InvalidEventError, type Fact, type RawEventRow } from './normalize/facts';
import { NORMALIZERS } from './normalize/registry';
import { projectFacts } from './project/project-facts';

/** A failing event is retried this many times with growing pauses, then quarantined (status failed). */
export const MAX_ATTEMPTS = 5;
const BACKOFF_SECONDS = [5, 30, 120, 600];

export interface BatchResult {
  claimed: number;
  processed: number;
  dropped: number;
  retried: number;
  failed: number;
}

export interface DrainOptions {
  batchSize?: number;
  /** Process in a shuffled (but seeded, so repeatable) order: to prove that order does not matter. */
  shuffleSeed?: number;
  onProgress?: (done: number) => void;
}

type Outcome = { status: 'processed' } | { status: 'dropped'; reason: string } | { status: 'retry'; reason: string } | { status: 'failed'; reason: string };

/**
 * The pipeline (DESIGN §2.3): claims unprocessed raw events in batches (FOR UPDATE SKIP LOCKED, so several
 * workers can share the queue), runs parse → normalize → project for each inside a savepoint (a poison
 * event fails alone), then relinks what changed and rebuilds the experiments, all in one transaction.
 */
@Injectable()
export class PipelineService {
  private readonly logger = new Logger('pipeline');

  constructor(private readonly dataSource: DataSource, private readonly config: AppConfig, private readonly identities: IdentityResolver) {}

  /** Processes batches until nothing is ready. Returns how many events were claimed in all. */
  async drain(options: DrainOptions = {}): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await this.runBatch(options);
      total += result.claimed;
      options.onProgress?.(total);
      if (result.claimed === 0) return total;
    }
  }

  async runBatch(options: DrainOptions = {}): Promise<BatchResult> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const result: BatchResult = { claimed: 0, processed: 0, dropped: 0, retried: 0, failed: 0 };
    try {
      await runner.startTransaction();
      const order = options.shuffleSeed === undefined ? 'org_id, id' : `org_id, md5(id::text || '${Math.trunc(options.shuffleSeed)}')`;
      const rows: Array<{ id: string; org_id: string; source: string; event_type: string; action: string | null; body: Buffer; received_at: Date; meta: Record<string, unknown>; content_type: string | null; attempts: number }> =
        await runner.query(
          `SELECT id::text AS id, org_id, source, event_type, action, body, received_at, meta, content_type, attempts FROM raw_events
           WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= now())
           ORDER BY ${order} LIMIT $1 FOR UPDATE SKIP LOCKED`,
          [options.batchSize ?? 500],
        );
      result.claimed = rows.length;
      if (rows.length === 0) {
        await runner.commitTransaction();
        return result;
      }
      const orgs = new Set(rows.map((r) => r.org_id));
      const knownBefore = new Map<string, Awaited<ReturnType<typeof loadKnownKeys>>>();
      for (const org of orgs) knownBefore.set(org, await loadKnownKeys(query(runner), org));
      const touched = new Map<string, AttributeTarget[]>();

      for (const row of rows) {
        const event: RawEventRow = { id: row.id, orgId: row.org_id, source: row.source, eventType: row.event_type, action: row.action, body: row.body, receivedAt: row.received_at, meta: row.meta, contentType: row.content_type };
        const outcome = await this.processOne(runner, event, row.attempts, touched);
        await this.record(runner, event, row.attempts, outcome);
        if (outcome.status === 'processed') result.processed++;
        else if (outcome.status === 'dropped') result.dropped++;
        else if (outcome.status === 'retry') result.retried++;
        else result.failed++;
      }
      for (const org of orgs) {
        const knownAfter = await loadKnownKeys(query(runner), org);
        const keysChanged = !sameKnownKeys(knownBefore.get(org)!, knownAfter);
        await relink(query(runner), (t, p) => runner.query(t, p), org, keysChanged ? 'all' : (touched.get(org) ?? []).filter((t): t is LinkTarget => t.type !== 'agent_session'), knownAfter);
        // Which agent wrote the touched PRs and commits: a function of their rows, like the links.
        await reattribute(query(runner), (t, p) => runner.query(t, p), org, touched.get(org) ?? []);
        await runner.query(BUILD_EXPERIMENTS_SQL, [org, DEFAULT_EVIDENCE_KINDS]);
        // The rollup keys the domain changes of this batch marked dirty (triggers), recomputed before commit.
        await refreshRollups((t, p) => runner.query(t, p), org);
        // New source accounts become people (by mapping, email or login), in the same transaction.
        await this.identities.resolve(org, runner.manager);
      }
      await runner.commitTransaction();
      return result;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }

  private async processOne(runner: QueryRunner, event: RawEventRow, attempts: number, touched: Map<string, AttributeTarget[]>): Promise<Outcome> {
    const normalizer = NORMALIZERS[event.source];
    if (!normalizer) return { status: 'dropped', reason: `normalize: no normalizer for source '${event.source}'` };
    let body: unknown = event.body;
    try {
      // Binary bodies (OTLP protobuf) and NDJSON (usage reports) are read by their own normalizer, which gets the bytes.
      if (event.contentType !== 'application/x-protobuf' && event.contentType !== 'application/x-ndjson') body = JSON.parse(event.body.toString('utf8'));
    } catch (e) {
      return { status: 'failed', reason: `parse: body is not JSON (${(e as Error).message})` };
    }
    await runner.query('SAVEPOINT event');
    try {
      const result = normalizer(event, body);
      if ('dropped' in result) {
        await runner.query('RELEASE SAVEPOINT event');
        return { status: 'dropped', reason: `normalize: ${result.dropped}` };
      }
      await projectFacts((t, p) => runner.query(t, p), { orgId: event.orgId, rawEventId: event.id, insightLabels: this.config.insightLabels, environmentRules: this.config.environmentRules, prices: this.config.prices }, result.facts);
      await runner.query('RELEASE SAVEPOINT event');
      const list = touched.get(event.orgId) ?? [];
      list.push(...linkTargetsOf(result.facts));
      touched.set(event.orgId, list);
      return { status: 'processed' };
    } catch (error) {
      await runner.query('ROLLBACK TO SAVEPOINT event');
      if (error instanceof InvalidEventError) return { status: 'failed', reason: `normalize: ${error.message}` };
      const reason = `project: ${(error as Error).message}`;
      this.logger.warn({ msg: 'pipeline step failed', rawEventId: event.id, attempt: attempts + 1, reason });
      return attempts + 1 >= MAX_ATTEMPTS || failsOnEveryAttempt(error) ? { status: 'failed', reason } : { status: 'retry', reason };
    }
  }

  private async record(runner: QueryRunner, event: RawEventRow, attempts: number, outcome: Outcome): Promise<void> {
    if (outcome.status === 'retry') {
      const delay = BACKOFF_SECONDS[Math.min(attempts, BACKOFF_SECONDS.length - 1)];
      await runner.query(
        `UPDATE raw_events SET attempts = attempts + 1, status_reason = $3, next_attempt_at = now() + make_interval(secs => $4) WHERE org_id = $1 AND id = $2`,
        [event.orgId, event.id, outcome.reason, delay],
      );
      return;
    }
    await runner.query(
      `UPDATE raw_events SET status = $3, status_reason = $4, attempts = attempts + 1, processed_at = now(), next_attempt_at = NULL WHERE org_id = $1 AND id = $2`,
      [event.orgId, event.id, outcome.status, outcome.status === 'processed' ? null : outcome.reason],
    );
  }
}

/**
 * SQLSTATEs that depend only on the values written, never on the moment: class 22 (data exception: a number out
 * of range, text that is not a number, a NUL byte in text...) and NOT NULL or CHECK violations. The same raw
 * event fails the same way on every attempt, so it is quarantined at once instead of retried for minutes.
 * Everything else (deadlocks, serialization failures, a lost connection) may pass on a later attempt.
 */
function failsOnEveryAttempt(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code.startsWith('22') || code === '23502' || code === '23514';
    e = (e as { driverError?: unknown; cause?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

function query(runner: QueryRunner) {
  return <T>(text: string, params: unknown[]) => runner.query(text, params) as Promise<T[]>;
}

function linkTargetsOf(facts: Fact[]): AttributeTarget[] {
  const targets: AttributeTarget[] = [];
  for (const f of facts) {
    if (f.kind === 'pull_request') targets.push({ type: 'pull_request', key: targetKey.pullRequest(f.repo.source, f.repo.fullName, f.number) });
    else if (f.kind === 'branch') targets.push({ type: 'branch', key: targetKey.branch(f.repo.source, f.repo.fullName, f.name) });
    else if (f.kind === 'commit') targets.push({ type: 'commit', key: targetKey.commit(f.repo.source, f.repo.fullName, f.sha) });
    else if (f.kind === 'agent_session' && f.gitRefs?.length) targets.push({ type: 'agent_session', agent: f.agent, sessionId: f.sessionId });
  }
  return targets;
}
