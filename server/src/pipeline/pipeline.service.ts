import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';
import { AppConfig } from '../core/config/app-config';
import { refreshRollups } from '../metrics/rollups/refresh-rollups';
import { ROLLUP_TABLES } from '../metrics/rollups/rollup-tables';
import { IdentityResolver } from '../teams/identity-resolver.service';
import { buildExperiments, type ExperimentScope } from './experiments/build-experiments.sql';
import { addTouchedKeys, emptyTouchedKeys, touchedInsights, type TouchedKeys } from './experiments/touched-insights';
import { reattribute, type AttributeTarget } from './link/reattribute';
import { loadKnownKeys, relink, sameKnownKeys, targetKey, type LinkTarget } from './link/relink';
import { InvalidEventError, type Fact, type RawEventRow } from './normalize/facts';
import { NORMALIZERS } from './normalize/registry';
import { projectEvents, projectFacts } from './project/project-facts';
import { RollupRefreshPacer } from './rollup-refresh-pacer';

/** A failing event is retried this many times with growing pauses, then quarantined (status failed). */
export const MAX_ATTEMPTS = 5;
const BACKOFF_SECONDS = [5, 30, 120, 600];
const RECORD_CHUNK_ROWS = 1_000;

const ANALYZE_CHECK_MS = 5_000;
/** rollup_dirty is vacuumed once larger than this (see vacuumRollupDirty). */
const ROLLUP_DIRTY_VACUUM_BYTES = 1 << 20;

/** The tables whose statistics the batch queries' plans depend on (see analyzeGrownTables). */
export const ANALYZED_TABLES = [
  'raw_events', 'work_items', 'work_item_transitions', 'work_signals', 'branches', 'pull_requests', 'commits', 'reviews', 'ci_runs', 'deployments', 'links',
  'experiments', 'identities', 'people', 'identity_people', 'team_members', 'identity_mappings', 'agent_attributions', 'agent_sessions', 'agent_runs', 'agent_metric_points', 'agent_session_git_refs',
  ...ROLLUP_TABLES.map((t) => t.table),
];

export interface BatchResult {
  claimed: number;
  processed: number;
  dropped: number;
  retried: number;
  failed: number;
}

export interface DrainOptions {
  /** A fixed batch size; unset: PIPELINE_BATCH_SIZE, growing up to PIPELINE_MAX_BATCH_SIZE while batches come back full. */
  batchSize?: number;
  /** Process in a shuffled (but seeded, so repeatable) order: to prove that order does not matter. */
  shuffleSeed?: number;
  onProgress?: (done: number) => void;
  /** Asked after each batch: true ends the drain there, queue or not (the worker's stop). */
  stopped?: () => boolean;
}

/** One claimed event after parse and normalize: its facts to project, or already an outcome (dropped, failed). */
interface Prepared {
  event: RawEventRow;
  attempts: number;
  facts?: Fact[];
  outcome?: Outcome;
}

type Outcome = { status: 'processed' } | { status: 'dropped'; reason: string } | { status: 'retry'; reason: string } | { status: 'failed'; reason: string };

/**
 * The pipeline (DESIGN §2.3): claims unprocessed raw events in batches (FOR UPDATE SKIP LOCKED, so several
 * workers can share the queue), parses and normalizes each, projects the whole batch set-based (event by event,
 * each in a savepoint, if that fails: a poison event fails alone), then relinks what changed and builds the
 * experiments of the insights the batch touched, all in one transaction.
 */
@Injectable()
export class PipelineService {
  private readonly logger = new Logger('pipeline');
  private analyzeCheckedAt = 0;
  private readonly refreshPacer: RollupRefreshPacer;

  constructor(private readonly dataSource: DataSource, private readonly config: AppConfig, private readonly identities: IdentityResolver) {
    this.refreshPacer = new RollupRefreshPacer(config.pipelineBacklogRefreshFactor);
  }

  /** Processes batches until nothing is ready. Returns how many events were claimed in all. */
  async drain(options: DrainOptions = {}): Promise<number> {
    let total = 0;
    let size = options.batchSize ?? this.config.pipelineBatchSize;
    for (;;) {
      const result = await this.runBatch({ ...options, batchSize: size });
      total += result.claimed;
      options.onProgress?.(total);
      if (result.claimed === 0 || options.stopped?.()) return total;
      await this.analyzeGrownTables();
      // A full batch means a deep queue (a bulk load, a reprocess, a backlog): larger batches spread the fixed
      // costs of a batch (relink, experiments, rollups, identities) over more events. Short queues keep small
      // batches, so a delivery's rows appear soon and transactions stay short.
      if (options.batchSize === undefined) {
        size = result.claimed >= size ? Math.min(size * 2, this.config.pipelineMaxBatchSize) : this.config.pipelineBatchSize;
      }
    }
  }

  /**
   * Recomputes the rollup keys marked dirty outside a batch (a migration adding a rollup, a teams file, rows written
   * by hand), for every org that has some; the worker calls it when the queue is empty, so an idle org's metrics do
   * not stay on the domain tables until its next event. Returns the orgs refreshed.
   */
  async refreshDirtyRollups(): Promise<number> {
    const orgs: Array<{ org_id: string }> = await this.dataSource.query(`SELECT DISTINCT org_id FROM rollup_dirty`);
    for (const { org_id: org } of orgs) await this.dataSource.transaction((m) => refreshRollups((t, p) => m.query(t, p), org));
    // Idle: the same table upkeep as after batches (rollup_dirty above all, which refreshes empty).
    await this.analyzeGrownTables();
    return orgs.length;
  }

  /**
   * VACUUM of rollup_dirty once it takes more than 1 MB. Every batch adds keys to it and every refresh deletes them, so
   * it is mostly dead rows, and every metrics request asks it whether its rollups are fresh: at 10M raw events,
   * never vacuumed (autovacuum was busy with the large tables; the embedded database has none), it held 1.9 million
   * dead rows in 158 MB and that question took 120-210 ms per request. A VACUUM of it took 0.5 s and left 0 bytes.
   * Best effort, outside any transaction. Returns whether it ran.
   */
  async vacuumRollupDirty(): Promise<boolean> {
    try {
      const [{ bytes }]: Array<{ bytes: string }> = await this.dataSource.query(`SELECT pg_relation_size('rollup_dirty') AS bytes`);
      if (Number(bytes) <= ROLLUP_DIRTY_VACUUM_BYTES) return false;
      await this.dataSource.query(`VACUUM rollup_dirty`);
      return true;
    } catch (error) {
      this.logger.debug({ msg: 'vacuum of rollup_dirty skipped', err: (error as Error).message });
      return false;
    }
  }

  /**
   * ANALYZE of the tables the pipeline grew by more than 10% since their last statistics (autovacuum's default
   * rule). The batch queries join small key sets with large tables; without statistics the planner takes those
   * tables for a few rows and picks plans quadratic in their size (measured: seconds per batch at 200k events).
   * Autovacuum normally keeps them current (then this finds nothing to do), but it may be off, and the
   * embedded database has none. (At a million raw events an unanalyzed agent_attributions made the assisted-PR
   * rollup scan every commit attribution per commit of a PR: 12 s per batch instead of 17 ms.) Best effort: statistics are an optimisation, never a reason to stop.
   */
  private async analyzeGrownTables(): Promise<void> {
    // At most every few seconds: small batches (a short queue) would otherwise ask after every one.
    if (Date.now() - this.analyzeCheckedAt < ANALYZE_CHECK_MS) return;
    this.analyzeCheckedAt = Date.now();
    await this.vacuumRollupDirty();
    try {
      const grown: Array<{ relname: string }> = await this.dataSource.query(
        `SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = ANY($1::text[]) AND n_mod_since_analyze > 50 + 0.1 * n_live_tup`,
        [ANALYZED_TABLES],
      );
      for (const { relname } of grown) if (ANALYZED_TABLES.includes(relname)) await this.dataSource.query(`ANALYZE ${relname}`);
    } catch (error) {
      this.logger.debug({ msg: 'analyze skipped', err: (error as Error).message });
    }
  }

  /** Builds every experiment of the org from the domain rows, and the rollups that changed with them. */
  async rebuildExperiments(orgId: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await buildExperiments((t, p) => m.query(t, p), orgId, 'all');
      await refreshRollups((t, p) => m.query(t, p), orgId);
    });
  }

  async runBatch(options: DrainOptions = {}): Promise<BatchResult> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const result: BatchResult = { claimed: 0, processed: 0, dropped: 0, retried: 0, failed: 0 };
    try {
      await runner.startTransaction();
      // Qualified: a bare `id` would be the text output column below (10 before 2, and a sort of every pending row
      // of the org per batch instead of a walk of raw_events_pending_idx).
      const order = options.shuffleSeed === undefined ? 'raw_events.org_id, raw_events.id' : `raw_events.org_id, md5(raw_events.id::text || '${Math.trunc(options.shuffleSeed)}')`;
      const rows: Array<{ id: string; org_id: string; source: string; event_type: string; action: string | null; body: Buffer; received_at: Date; meta: Record<string, unknown>; content_type: string | null; attempts: number }> =
        await runner.query(
          `SELECT id::text AS id, org_id, source, event_type, action, body, received_at, meta, content_type, attempts FROM raw_events
           WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= now())
           ORDER BY ${order} LIMIT $1 FOR UPDATE SKIP LOCKED`,
          [options.batchSize ?? this.config.pipelineBatchSize],
        );
      result.claimed = rows.length;
      if (rows.length === 0) {
        // The queue is empty: the refreshes put off during the backlog are done now.
        for (const org of this.refreshPacer.waitingOrgs()) await this.refreshRollupsOf(runner, org);
        await runner.commitTransaction();
        return result;
      }
      const backlog = rows.length >= (options.batchSize ?? this.config.pipelineBatchSize);
      const orgs = new Set(rows.map((r) => r.org_id));
      const knownBefore = new Map<string, Awaited<ReturnType<typeof loadKnownKeys>>>();
      for (const org of orgs) knownBefore.set(org, await loadKnownKeys(query(runner), org));
      const touched = new Map<string, AttributeTarget[]>();

      const prepared = rows.map((row) =>
        this.prepare({ id: row.id, orgId: row.org_id, source: row.source, eventType: row.event_type, action: row.action, body: row.body, receivedAt: row.received_at, meta: row.meta, contentType: row.content_type }, row.attempts),
      );
      // The insights whose experiments this batch may change: asked before the writes (an insight that loses a
      // row: a moved link, a PR's new head) and after them (one that gains a row), see touched-insights.ts.
      const keys = new Map<string, TouchedKeys>([...orgs].map((org) => [org, emptyTouchedKeys()]));
      for (const p of prepared) if (p.facts) addTouchedKeys(keys.get(p.event.orgId)!, p.facts);
      const insightsBefore = new Map<string, Array<{ source: string; key: string }>>();
      for (const org of orgs) insightsBefore.set(org, await touchedInsights(query(runner), org, keys.get(org)!));

      // Set-based first (all the batch's facts, a few statements per table); if anything fails, event by event,
      // each in its own savepoint, so a poison event fails alone and with its own reason.
      const outcomes: Outcome[] = [];
      const allProjected = await this.projectAll(runner, prepared);
      for (const { event, attempts, facts, outcome: known } of prepared) {
        let outcome: Outcome;
        if (known) outcome = known;
        else if (allProjected) {
          outcome = { status: 'processed' };
          addLinkTargets(touched, event.orgId, facts!);
        } else outcome = await this.projectOne(runner, event, attempts, facts!, touched);
        outcomes.push(outcome);
        if (outcome.status === 'processed') result.processed++;
        else if (outcome.status === 'dropped') result.dropped++;
        else if (outcome.status === 'retry') result.retried++;
        else result.failed++;
      }
      await this.record(runner, prepared, outcomes);
      for (const org of orgs) {
        const knownAfter = await loadKnownKeys(query(runner), org);
        const keysChanged = !sameKnownKeys(knownBefore.get(org)!, knownAfter);
        await relink(query(runner), (t, p) => runner.query(t, p), org, keysChanged ? 'all' : (touched.get(org) ?? []).filter((t): t is LinkTarget => t.type !== 'agent_session'), knownAfter);
        // Which agent wrote the touched PRs and commits: a function of their rows, like the links.
        await reattribute(query(runner), (t, p) => runner.query(t, p), org, touched.get(org) ?? []);
        // Only the touched insights are built again, unless the known keys changed: then any link may have.
        const scope: ExperimentScope = keysChanged ? 'all' : uniqueWorkItems([...insightsBefore.get(org)!, ...(await touchedInsights(query(runner), org, keys.get(org)!))]);
        await buildExperiments((t, p) => runner.query(t, p), org, scope);
        // New source accounts become people (by mapping, email or login), in the same transaction.
        await this.identities.resolve(org, runner.manager);
        // The rollup keys the domain changes of this batch marked dirty (triggers), recomputed before commit: after
        // the people, whom agent quality's sessions and PR authors are looked up in. During a backlog, paced
        // (rollup-refresh-pacer.ts): the keys wait in rollup_dirty, and metrics over them read the domain tables.
        if (this.refreshPacer.due(org, backlog, Date.now())) await this.refreshRollupsOf(runner, org);
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

  private async refreshRollupsOf(runner: QueryRunner, org: string): Promise<void> {
    const started = Date.now();
    await refreshRollups((t, p) => runner.query(t, p), org);
    this.refreshPacer.refreshed(org, started, Date.now());
  }

  /** Parse and normalize: pure, no database, so the whole batch's facts are known before anything is written. */
  private prepare(event: RawEventRow, attempts: number): Prepared {
    const normalizer = NORMALIZERS[event.source];
    if (!normalizer) return { event, attempts, outcome: { status: 'dropped', reason: `normalize: no normalizer for source '${event.source}'` } };
    let body: unknown = event.body;
    try {
      // Binary bodies (OTLP protobuf) and NDJSON (usage reports) are read by their own normalizer, which gets the bytes.
      if (event.contentType !== 'application/x-protobuf' && event.contentType !== 'application/x-ndjson') body = JSON.parse(event.body.toString('utf8'));
    } catch (e) {
      return { event, attempts, outcome: { status: 'failed', reason: `parse: body is not JSON (${(e as Error).message})` } };
    }
    try {
      const result = normalizer(event, body);
      if ('dropped' in result) return { event, attempts, outcome: { status: 'dropped', reason: `normalize: ${result.dropped}` } };
      return { event, attempts, facts: result.facts };
    } catch (error) {
      // A normalizer is a pure function of the event: whatever it throws (content it refuses, or a bug) it throws on
      // every attempt, so the event is quarantined at once. A bug is also logged; `reprocess` retries it once fixed.
      if (!(error instanceof InvalidEventError)) this.logger.warn({ msg: 'normalizer failed', rawEventId: event.id, source: event.source, err: (error as Error).message });
      return { event, attempts, outcome: { status: 'failed', reason: `normalize: ${(error as Error).message}` } };
    }
  }

  /** Projects every normalized event of the batch at once; false (and nothing written) if any statement failed. */
  private async projectAll(runner: QueryRunner, prepared: Prepared[]): Promise<boolean> {
    const events = prepared.filter((p) => p.facts).map((p) => ({ orgId: p.event.orgId, rawEventId: p.event.id, facts: p.facts! }));
    if (events.length === 0) return true;
    await runner.query('SAVEPOINT batch');
    try {
      await projectEvents((t, p) => runner.query(t, p), this.config, events);
      await runner.query('RELEASE SAVEPOINT batch');
      return true;
    } catch (error) {
      await runner.query('ROLLBACK TO SAVEPOINT batch');
      this.logger.debug({ msg: 'set-based projection failed: projecting event by event', events: events.length, err: (error as Error).message });
      return false;
    }
  }

  private async projectOne(runner: QueryRunner, event: RawEventRow, attempts: number, facts: Fact[], touched: Map<string, AttributeTarget[]>): Promise<Outcome> {
    await runner.query('SAVEPOINT event');
    try {
      await projectFacts((t, p) => runner.query(t, p), this.projectionContext(event), facts);
      await runner.query('RELEASE SAVEPOINT event');
      addLinkTargets(touched, event.orgId, facts);
      return { status: 'processed' };
    } catch (error) {
      await runner.query('ROLLBACK TO SAVEPOINT event');
      return this.failure(event, attempts, error);
    }
  }

  private projectionContext(event: RawEventRow) {
    return { orgId: event.orgId, rawEventId: event.id, insightLabels: this.config.insightLabels, environmentRules: this.config.environmentRules, prices: this.config.prices };
  }

  /** Invalid content is quarantined at once; anything else is retried, unless it would fail the same way every time. */
  private failure(event: RawEventRow, attempts: number, error: unknown): Outcome {
    if (error instanceof InvalidEventError) return { status: 'failed', reason: `normalize: ${error.message}` };
    const reason = `project: ${(error as Error).message}`;
    this.logger.warn({ msg: 'pipeline step failed', rawEventId: event.id, attempt: attempts + 1, reason });
    return attempts + 1 >= MAX_ATTEMPTS || failsOnEveryAttempt(error) ? { status: 'failed', reason } : { status: 'retry', reason };
  }

  /** Writes each event's outcome: one statement per ≤ 1,000 events (DESIGN §6). */
  private async record(runner: QueryRunner, prepared: Prepared[], outcomes: Outcome[]): Promise<void> {
    const rows = prepared.map(({ event, attempts }, i) => {
      const outcome = outcomes[i];
      const retry = outcome.status === 'retry';
      return {
        orgId: event.orgId,
        id: event.id,
        status: retry ? null : outcome.status,
        reason: outcome.status === 'processed' ? null : storableReason(outcome.reason),
        delay: retry ? BACKOFF_SECONDS[Math.min(attempts, BACKOFF_SECONDS.length - 1)] : null,
      };
    });
    for (let i = 0; i < rows.length; i += RECORD_CHUNK_ROWS) {
      const chunk = rows.slice(i, i + RECORD_CHUNK_ROWS);
      // A retry stays pending with a later attempt time; any other outcome is final.
      await runner.query(
        `UPDATE raw_events r SET attempts = r.attempts + 1, status_reason = v.reason,
           status = COALESCE(v.status, r.status),
           processed_at = CASE WHEN v.status IS NULL THEN r.processed_at ELSE now() END,
           next_attempt_at = CASE WHEN v.status IS NULL THEN now() + make_interval(secs => v.delay) END
         FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::int[]) AS v(org_id, id, status, reason, delay)
         WHERE r.org_id = v.org_id AND r.id = v.id`,
        [chunk.map((r) => r.orgId), chunk.map((r) => r.id), chunk.map((r) => r.status), chunk.map((r) => r.reason), chunk.map((r) => r.delay)],
      );
    }
  }
}

/**
 * A reason as status_reason can hold it. PostgreSQL text refuses NUL, and a reason quoting a poison event's content
 * can hold one: writing it failed the whole batch, on every retry, and blocked the queue for good (found by the fuzz
 * of test/reliability). Also kept short: a reason may quote a huge value.
 */
export function storableReason(reason: string): string {
  const clean = reason.replace(/\u0000/g, '\\u0000');
  return clean.length > 2_000 ? `${clean.slice(0, 2_000)}…` : clean;
}

/**
 * SQLSTATEs that depend only on the values written, never on the moment: class 22 (data exception: a number out
 * of range, text that is not a number, a NUL byte in text...), class 54 (program limit exceeded: a value too large
 * for an index row, a value nested too deep; found by the fuzz of test/reliability) and NOT NULL or CHECK violations. The same raw
 * event fails the same way on every attempt, so it is quarantined at once instead of retried for minutes.
 * Everything else (deadlocks, serialization failures, a lost connection) may pass on a later attempt.
 */
function failsOnEveryAttempt(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code.startsWith('22') || code.startsWith('54') || code === '23502' || code === '23514';
    e = (e as { driverError?: unknown; cause?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

function query(runner: QueryRunner) {
  return <T>(text: string, params: unknown[]) => runner.query(text, params) as Promise<T[]>;
}

function addLinkTargets(touched: Map<string, AttributeTarget[]>, orgId: string, facts: Fact[]): void {
  const list = touched.get(orgId) ?? [];
  list.push(...linkTargetsOf(facts));
  touched.set(orgId, list);
}

function uniqueWorkItems(items: Array<{ source: string; key: string }>): Array<{ source: string; key: string }> {
  const seen = new Map<string, { source: string; key: string }>();
  for (const w of items) seen.set(`${w.source}\u0000${w.key}`, w);
  return [...seen.values()];
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
