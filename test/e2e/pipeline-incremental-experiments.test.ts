import { DataSource } from 'typeorm';
import { generateEvents, rawEventRowOf, writeRawEvents } from '../../bench/generator';
import { buildExperiments } from '../../server/src/pipeline/experiments/build-experiments.sql';
import { NORMALIZERS } from '../../server/src/pipeline/normalize/registry';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { projectEvents, projectFacts, type EventFacts } from '../../server/src/pipeline/project/project-facts';
import { DERIVED_TABLES } from '../../server/src/pipeline/reprocess/reprocess.service';
import { checkSuitePayload, issuesPayload, pullRequestPayload, pushPayload } from '../support/github-payloads';
import { deliverJiraStory } from '../support/stories/jira-story';
import * as linear from '../support/stories/linear-story';
import { startTestApp, type TestApp } from '../support/test-app';
import { createIntegration, DEFAULT_ORG_ID, sendGithub } from '../support/webhook-senders';

type Row = Record<string, unknown>;

/** Six weeks of the demo org (about 1,500 deliveries): PR updates, pushes, CI, previews, signals, relinks, agent telemetry. */
async function loadGeneratedOrg(t: TestApp): Promise<void> {
  const ds = t.app.get(DataSource);
  const events = generateEvents({ seed: 5, scale: 'demo', now: new Date('2025-12-15T00:00:00Z') });
  await writeRawEvents((text, params) => ds.query(text, params), events, { orgId: DEFAULT_ORG_ID, integrationIds: { github: '6f0c6f7e-5b7a-4d0e-9b1e-1a2b3c4d5e6f', linear: '7a1d2e3f-4b5c-4d6e-8f70-8192a3b4c5d6' } });
}

/** Every derived row (lineage included), in a stable order. */
async function derivedRows(t: TestApp): Promise<Record<string, string[]>> {
  const ds = t.app.get(DataSource);
  const out: Record<string, string[]> = {};
  for (const table of DERIVED_TABLES) out[table] = (await ds.query(`SELECT * FROM ${table}`)).map((r: unknown) => JSON.stringify(r)).sort();
  return out;
}

/** Every experiment column, dates as ISO strings, in a stable order. */
async function experiments(t: TestApp, orgId = DEFAULT_ORG_ID): Promise<Row[]> {
  const rows: Row[] = await t.app.get(DataSource).query(`SELECT * FROM experiments WHERE org_id = $1 ORDER BY work_item_source, work_item_key`, [orgId]);
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v])));
}

/** What the full rebuild (reprocess, new known keys) writes from the same domain rows. */
async function fullRebuild(t: TestApp, orgId = DEFAULT_ORG_ID): Promise<void> {
  const ds = t.app.get(DataSource);
  await buildExperiments((text, params) => ds.query(text, params), orgId, 'all');
}

function pick(row: Row | undefined, ...columns: string[]): Row {
  return Object.fromEntries(columns.map((c) => [c, row?.[c]]));
}

/**
 * The pipeline rebuilds only the experiments of the insights a batch touched, directly (the work item, its
 * transitions and signals) or through links (PRs, branches, commits, CI runs, preview deployments). Proof that
 * nothing is missed: processing batch by batch, in shuffled orders, leaves exactly what a full rebuild of the
 * same domain rows writes.
 */
describe('pipeline: experiments are rebuilt for the insights a batch touched', () => {
  describe('the story fixtures, one delivery per batch, shuffled', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
      await linear.deliverLinearStory(t);
      await deliverJiraStory(t);
      // One delivery per batch, PRs and pushes before the issues they name: links and experiments appear late.
      await t.app.get(PipelineService).drain({ batchSize: 1, shuffleSeed: 3 });
    });
    afterAll(() => t.close());

    it('gives the hand-computed experiments (as in the Linear and Jira scenarios)', async () => {
      const rows = await experiments(t);
      const columns = ['work_item_source', 'work_item_key', 'insight_at', 'work_started_at', 'work_started_kind', 'pr_number', 'pr_opened_at', 'evidence_at', 'evidence_kind', 'decision', 'decided_at'];
      expect(rows.map((r) => pick(r, ...columns))).toEqual([
        // PAY-7: first commit 09:20+01:00 before the move to In Progress at 09:30Z; CI and preview failed; PR closed unmerged.
        { work_item_source: 'jira', work_item_key: 'PAY-7', insight_at: '2026-02-02T09:00:00.000Z', work_started_at: '2026-02-03T08:20:00.000Z', work_started_kind: 'first_commit',
          pr_number: 31, pr_opened_at: '2026-02-03T10:40:00.000Z', evidence_at: null, evidence_kind: null, decision: 'reject', decided_at: '2026-02-04T16:15:00.000Z' },
        // ENG-42: In Progress 09:45 before the first commit at 11:00; green CI 14:20 before the preview at 14:30; merged.
        { work_item_source: 'linear', work_item_key: 'ENG-42', insight_at: linear.INSIGHT_CREATED, work_started_at: linear.MOVED_IN_PROGRESS, work_started_kind: 'status_in_progress',
          pr_number: 7, pr_opened_at: linear.PR_OPENED, evidence_at: linear.CI_GREEN, evidence_kind: 'ci_success', decision: 'promote', decided_at: linear.MERGED },
      ]);
    });

    it('leaves nothing for a full rebuild to change', async () => {
      const incremental = await experiments(t);
      await fullRebuild(t);
      expect(await experiments(t)).toEqual(incremental);
    });

    it('rebuilds only what a batch touches: nothing for an unrelated push, the linked insight for a CI run on its PR', async () => {
      const ds = t.app.get(DataSource);
      const github = await createIntegration(t, 'github');
      // Stale titles make a rebuild visible: the build writes the work item's title back.
      await ds.query(`UPDATE experiments SET title = 'stale'`);
      const unrelated = pushPayload({ repo: 'acme/other', branch: 'main', after: 'f'.repeat(40), commits: [{ id: 'f'.repeat(40), message: 'Bump deps', timestamp: '2026-03-01T10:00:00Z' }] });
      expect((await sendGithub(t, github, 'push', unrelated)).status).toBe(200);
      await t.app.get(PipelineService).drain();
      expect((await experiments(t)).map((r) => r.title)).toEqual(['stale', 'stale']);

      // A second green suite on ENG-42's PR head: reaches the insight through PR #7 (its head sha), not PAY-7.
      const suite = checkSuitePayload({ repo: linear.REPO, id: 502, headSha: linear.HEAD, headBranch: linear.BRANCH, conclusion: 'success', createdAt: '2026-01-03T11:00:00Z', updatedAt: '2026-01-03T11:10:00Z', prNumbers: [7] });
      expect((await sendGithub(t, github, 'check_suite', suite)).status).toBe(200);
      await t.app.get(PipelineService).drain();
      expect((await experiments(t)).map((r) => [r.work_item_key, r.title])).toEqual([['PAY-7', 'stale'], ['ENG-42', 'Customers ask for a CSV export of the report']]);
      await fullRebuild(t);
    });

    it('rebuilds both insights when a relink moves a PR from one to the other', async () => {
      const github = await createIntegration(t, 'github');
      const send = async (event: string, payload: Row) => expect((await sendGithub(t, github, event, payload)).status).toBe(200);
      await send('issues', issuesPayload({ repo: linear.REPO, action: 'opened', number: 12, title: 'Search is slow', labels: ['customer-request'], createdAt: '2026-01-01T07:00:00Z', updatedAt: '2026-01-01T07:00:00Z' }));
      // PR #8 (branch without a key) closes #12; opened at 12:00 on 2 Jan, before PR #7 (14:00).
      const pr = { repo: linear.REPO, number: 8, headRef: 'faster-search', headSha: 'b'.repeat(40), createdAt: '2026-01-02T12:00:00Z' };
      await send('pull_request', pullRequestPayload({ ...pr, action: 'opened', title: 'Faster search', body: 'Closes #12', updatedAt: '2026-01-02T12:00:00Z' }));
      await t.app.get(PipelineService).drain();
      const before = await experiments(t);
      expect(before.map((r) => pick(r, 'work_item_key', 'pr_number', 'pr_opened_at', 'decision'))).toEqual([
        { work_item_key: 'acme/web#12', pr_number: 8, pr_opened_at: '2026-01-02T12:00:00.000Z', decision: null },
        { work_item_key: 'PAY-7', pr_number: 31, pr_opened_at: '2026-02-03T10:40:00.000Z', decision: 'reject' },
        { work_item_key: 'ENG-42', pr_number: 7, pr_opened_at: linear.PR_OPENED, decision: 'promote' },
      ]);

      // Edited: it no longer closes #12 but names ENG-42. #12 loses its only PR; #8 becomes ENG-42's first PR.
      await send('pull_request', pullRequestPayload({ ...pr, action: 'edited', title: 'ENG-42 faster export', body: 'Speeds up the export.', updatedAt: '2026-01-02T13:00:00Z' }));
      await t.app.get(PipelineService).drain();
      const after = await experiments(t);
      expect(after.map((r) => pick(r, 'work_item_key', 'pr_number', 'pr_opened_at', 'work_started_kind', 'decision'))).toEqual([
        { work_item_key: 'acme/web#12', pr_number: null, pr_opened_at: null, work_started_kind: null, decision: null },
        { work_item_key: 'PAY-7', pr_number: 31, pr_opened_at: '2026-02-03T10:40:00.000Z', work_started_kind: 'first_commit', decision: 'reject' },
        { work_item_key: 'ENG-42', pr_number: 8, pr_opened_at: '2026-01-02T12:00:00.000Z', work_started_kind: 'status_in_progress', decision: 'promote' },
      ]);
      await fullRebuild(t);
      expect(await experiments(t)).toEqual(after);
    });
  });

  describe("the generator's org, in batches of 40, shuffled", () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
      await loadGeneratedOrg(t);
      await t.app.get(PipelineService).drain({ batchSize: 40, shuffleSeed: 11 });
    });
    afterAll(() => t.close());

    it('processes every delivery and builds a non-trivial set of experiments', async () => {
      const [counts] = await t.app.get(DataSource).query(
        `SELECT count(*)::int AS experiments, count(pr_number)::int AS with_pr, count(evidence_at)::int AS with_evidence, count(decision)::int AS decided FROM experiments`,
      );
      expect(counts.experiments).toBeGreaterThan(50);
      expect(counts.with_pr).toBeGreaterThan(20);
      expect(counts.with_evidence).toBeGreaterThan(10);
      expect(counts.decided).toBeGreaterThan(10);
      const notProcessed = await t.app.get(DataSource).query(`SELECT status, count(*)::int AS n FROM raw_events WHERE status <> 'processed' GROUP BY 1`);
      expect(notProcessed).toEqual([]);
    });

    it('leaves exactly what a full rebuild of the same rows writes', async () => {
      const incremental = await experiments(t);
      await fullRebuild(t);
      expect(await experiments(t)).toEqual(incremental);
    });
  });

  describe("the generator's org: set-based projection writes what projecting event by event writes", () => {
    let oneByOne: TestApp;
    let setBased: TestApp;
    beforeAll(async () => {
      [oneByOne, setBased] = await Promise.all([startTestApp(), startTestApp()]);
    });
    afterAll(async () => {
      await oneByOne.close();
      await setBased.close();
    });

    it('gives the same rows in every table it writes, lineage included', async () => {
      // Ten weeks of the demo org, normalized as the pipeline would: the same PR, branch, CI run and identity
      // many times over (opened, synchronized, closed), agent telemetry included.
      const events: EventFacts[] = [];
      for (const generated of generateEvents({ seed: 5, scale: 'demo', now: new Date('2026-01-12T00:00:00Z') })) {
        const row = rawEventRowOf(generated, { github: '6f0c6f7e-5b7a-4d0e-9b1e-1a2b3c4d5e6f', linear: '7a1d2e3f-4b5c-4d6e-8f70-8192a3b4c5d6' }, {});
        const id = String(events.length + 1);
        const event = { id, orgId: DEFAULT_ORG_ID, source: row.source, eventType: row.eventType, action: row.action, body: row.body, receivedAt: row.receivedAt, meta: row.meta, contentType: row.contentType };
        const result = NORMALIZERS[row.source](event, JSON.parse(row.body.toString('utf8')));
        if ('facts' in result) events.push({ orgId: DEFAULT_ORG_ID, rawEventId: id, facts: result.facts });
      }
      expect(events.length).toBeGreaterThan(1_500);
      const sqlOf = (t: TestApp) => {
        const ds = t.app.get(DataSource);
        return (text: string, params: unknown[]) => ds.query(text, params);
      };
      for (const e of events) await projectFacts(sqlOf(oneByOne), { ...oneByOne.config, orgId: e.orgId, rawEventId: e.rawEventId }, e.facts);
      // Batches of 500, as the pipeline's first batches: each key many times in a batch, dealt into rounds.
      for (let i = 0; i < events.length; i += 500) await projectEvents(sqlOf(setBased), setBased.config, events.slice(i, i + 500));

      const expected = await derivedRows(oneByOne);
      expect(expected.pull_requests.length).toBeGreaterThan(100);
      expect(expected.agent_runs.length).toBeGreaterThan(0);
      expect(await derivedRows(setBased)).toEqual(expected);
    });
  });

  describe('batch sizes', () => {
    let t: TestApp;
    afterAll(() => t.close());

    it('double while batches come back full, up to PIPELINE_MAX_BATCH_SIZE, then fall back to PIPELINE_BATCH_SIZE', async () => {
      t = await startTestApp({ env: { PIPELINE_BATCH_SIZE: '2', PIPELINE_MAX_BATCH_SIZE: '8' } });
      await linear.deliverLinearStory(t);
      await deliverJiraStory(t);
      const pipeline = t.app.get(PipelineService);
      const runBatch = jest.spyOn(pipeline, 'runBatch');
      // 9 + 10 = 19 deliveries: 2 (full) → 4 (full) → 8 (full: 14 so far) → 8 asked, 5 left → back to 2, none left.
      expect(await pipeline.drain()).toBe(19);
      expect(runBatch.mock.calls.map(([options]) => options?.batchSize)).toEqual([2, 4, 8, 8, 2]);
      expect(await Promise.all(runBatch.mock.results.map((r) => r.value))).toMatchObject([{ claimed: 2 }, { claimed: 4 }, { claimed: 8 }, { claimed: 5 }, { claimed: 0 }]);
      expect(await experiments(t)).toHaveLength(2);
    });
  });
});
