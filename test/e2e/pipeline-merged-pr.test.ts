import { DataSource } from 'typeorm';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { pullRequestPayload, type PullRequestSpec } from '../support/github-payloads';
import { startTestApp, type TestApp } from '../support/test-app';
import { createIntegration, sendGithub } from '../support/webhook-senders';

/**
 * A merged PR stays merged. GitHub never reopens a merged PR, but a later delivery can still say `open` without a
 * merge: one sent out of order by a buggy relay, or a synthetic history (the bench generator's PRs are sometimes
 * synchronized after their merge). The newest delivery decides the other columns; the merge (state, merged_at, the
 * time it closed) is kept, so the families that count merged PRs by state (agent quality, experiments) and those that
 * count them by merge time (assisted PRs, PR cycle) agree whatever order the deliveries came in.
 */
const PR: Omit<PullRequestSpec, 'action' | 'updatedAt'> = { repo: 'acme/web', number: 71, title: 'Cache the pricing page', headRef: 'cache-pricing', headSha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', createdAt: '2026-04-01T09:00:00Z' };
const OPENED = pullRequestPayload({ ...PR, action: 'opened', updatedAt: '2026-04-01T09:00:00Z' });
const MERGED = pullRequestPayload({ ...PR, action: 'closed', updatedAt: '2026-04-01T15:00:00Z', merged: true, mergedAt: '2026-04-01T15:00:00Z', closedAt: '2026-04-01T15:00:00Z' });
// Newer than the merge, and says open, unmerged, with another head and title.
const AFTER = pullRequestPayload({ ...PR, action: 'synchronize', title: 'Cache the pricing page (v2)', headSha: 'b2c3d4e5f60718293a4b5c6d7e8f901234567890', updatedAt: '2026-04-02T08:00:00Z' });

async function projected(order: Array<Record<string, unknown>>): Promise<Record<string, unknown>> {
  const t: TestApp = await startTestApp();
  try {
    const github = await createIntegration(t, 'github');
    for (const payload of order) {
      const res = await sendGithub(t, github, 'pull_request', payload);
      if (res.status !== 200) throw new Error(`delivery refused: ${res.status} ${res.text}`);
    }
    await t.app.get(PipelineService).drain();
    const rows: Array<Record<string, unknown>> = await t.app
      .get(DataSource)
      .query(`SELECT state, title, head_sha, merged_at, closed_at FROM pull_requests WHERE repo = $1 AND number = $2`, [PR.repo, PR.number]);
    expect(rows).toHaveLength(1);
    return rows[0];
  } finally {
    await t.close();
  }
}

describe('pipeline: a merged pull request stays merged', () => {
  const expected = {
    state: 'merged',
    // The newest delivery's own columns.
    title: 'Cache the pricing page (v2)',
    head_sha: 'b2c3d4e5f60718293a4b5c6d7e8f901234567890',
    merged_at: new Date('2026-04-01T15:00:00Z'),
    closed_at: new Date('2026-04-01T15:00:00Z'),
  };

  it('keeps the merge when a newer delivery says open', async () => {
    expect(await projected([OPENED, MERGED, AFTER])).toEqual(expected);
  });

  it('gives the same row when the deliveries come in another order', async () => {
    expect(await projected([AFTER, MERGED, OPENED])).toEqual(expected);
  });

  it('leaves an unmerged PR to its newest delivery (closed, then reopened)', async () => {
    const closed = pullRequestPayload({ ...PR, action: 'closed', updatedAt: '2026-04-01T15:00:00Z', closedAt: '2026-04-01T15:00:00Z' });
    const reopened = pullRequestPayload({ ...PR, action: 'reopened', updatedAt: '2026-04-01T16:00:00Z' });
    expect(await projected([OPENED, reopened, closed])).toMatchObject({ state: 'open', merged_at: null, closed_at: null });
  });
});
