import type { DataSource } from 'typeorm';
import type { Observation } from '../../server/src/regressions/detection/observation';
import { readObservations } from '../../server/src/regressions/observations/read-observations';
import { openTestDataSource } from '../support/test-data-source';
import { insertCiRun } from '../support/domain-rows';

/**
 * What regression detection reads from the domain tables: one observation per PR, first CI result, agent
 * session, production deployment and experiment in the windows, with its team, agent, model and repo.
 * A fixture of each kind in, the observations written out by hand.
 */
const ORG = '00000000-0000-0000-0000-000000000001';
const FROM = new Date('2026-01-01T00:00:00Z');
const TO = new Date('2026-03-12T00:00:00Z');

describe('regression observations from the domain tables', () => {
  let dataSource: DataSource;
  let close: () => Promise<void>;
  let raw = 0;
  const sql = (text: string, params: unknown[]) => dataSource.query(text, params);

  async function pr(number: number, o: { author: string; bot?: boolean; state: 'open' | 'merged' | 'closed'; opened: string; closed?: string; head: string; sha?: string }) {
    await sql(
      `INSERT INTO pull_requests (org_id, source, repo, number, title, body, author_id, author_login, author_is_bot, state, draft, head_ref, head_sha, base_ref,
                                  opened_at, merged_at, closed_at, source_updated_at, raw_event_id)
       VALUES ($1, 'github', 'acme/web', $2, 'pr', '', $3, $4, $5, $6, false, $7, $8, 'main', $9, $10, $11, $9, $12)`,
      [ORG, number, `github:${o.author}`, o.author, o.bot ?? false, o.state, o.head, o.sha ?? null, o.opened, o.state === 'merged' ? o.closed : null, o.closed ?? null, ++raw],
    );
  }
  async function attribute(number: number, agent: string, reason: string, strength: number) {
    await sql(`INSERT INTO agent_attributions (org_id, target_type, target_key, agent, reason, strength, match, raw_event_id) VALUES ($1, 'pull_request', $2, $3, $4, $5, 'm', $6)`, [
      ORG,
      `github:acme/web#${number}`,
      agent,
      reason,
      strength,
      ++raw,
    ]);
  }
  const ci = (id: string, sha: string, prNumbers: number[], conclusion: string, completed: string) => insertCiRun(sql, ORG, ++raw, { id, sha, prNumbers, conclusion, completed });

  beforeAll(async () => {
    ({ dataSource, close } = await openTestDataSource());
    // emma is in team payments.
    await sql(`INSERT INTO teams (org_id, key, name) VALUES ($1, 'payments', 'Payments')`, [ORG]);
    await sql(`INSERT INTO people (org_id, id, display_name, email, origin) VALUES ($1, '11111111-1111-4111-8111-111111111111', 'Emma', 'emma@acme.test', 'import')`, [ORG]);
    await sql(`INSERT INTO identity_people (org_id, source, external_id, person_id, reason) VALUES ($1, 'github', 'emma', '11111111-1111-4111-8111-111111111111', 'login')`, [ORG]);
    await sql(`INSERT INTO team_members (org_id, team_key, person_id) VALUES ($1, 'payments', '11111111-1111-4111-8111-111111111111')`, [ORG]);

    // #1 emma's, written with Codex (footer), first commit 20:00 the day before, opened 00:00, merged 10:00 → cycle 14 h.
    await pr(1, { author: 'emma', state: 'merged', opened: '2026-02-01T00:00Z', closed: '2026-02-01T10:00Z', head: 'feat-1', sha: 'h2' });
    await attribute(1, 'codex', 'pr_footer', 0.6);
    await sql(`INSERT INTO commits (org_id, source, repo, sha, message, branch, authored_at, raw_event_id) VALUES ($1, 'github', 'acme/web', 'h1', 'wip', 'feat-1', '2026-01-31T20:00Z', $2)`, [ORG, ++raw]);
    // #2 emma's, closed unmerged: a merge-rate 0 and no cycle time.
    await pr(2, { author: 'emma', state: 'closed', opened: '2026-02-01T12:00Z', closed: '2026-02-02T00:00Z', head: 'feat-2', sha: 'h3' });
    // #3 Dependabot's: automation, left out. #4 Copilot's bot: an agent, counted (no team), cycle 5 h.
    await pr(3, { author: 'dependabot[bot]', bot: true, state: 'merged', opened: '2026-02-03T00:00Z', closed: '2026-02-03T01:00Z', head: 'dep' });
    await pr(4, { author: 'Copilot', bot: true, state: 'merged', opened: '2026-02-03T00:00Z', closed: '2026-02-03T05:00Z', head: 'copilot/fix' });
    await attribute(4, 'copilot', 'author_is_agent_bot', 1);
    // #5 still open; #6 merged before the windows: neither counts.
    await pr(5, { author: 'emma', state: 'open', opened: '2026-02-04T00:00Z', head: 'feat-5' });
    await pr(6, { author: 'emma', state: 'merged', opened: '2025-11-30T00:00Z', closed: '2025-12-01T00:00Z', head: 'feat-6' });

    // CI of #1: its first commit h1 failed at 21:00 (a cancelled run of h1 says nothing), h2 passed later → not green.
    await ci('r1', 'h1', [1], 'failure', '2026-01-31T21:00Z');
    await ci('r2', 'h1', [1], 'cancelled', '2026-01-31T20:30Z');
    await ci('r3', 'h2', [1], 'success', '2026-02-01T05:00Z');
    // CI of #2 (linked by its head sha only): h3 green at 23:00 and 23:30 → green, counted at 23:00.
    await ci('r4', 'h3', [], 'success', '2026-02-01T23:00Z');
    await ci('r5', 'h3', [], 'success', '2026-02-01T23:30Z');

    // Sessions: Claude Code in payments made 4 requests without an API error (a success); a Codex session hit an
    // API error (a failure); one with neither requests nor errors says nothing and is left out.
    await sql(
      `INSERT INTO agent_sessions (org_id, agent, session_id, team, team_source, model, started_at, ended_at, runs, errors, raw_event_id)
       VALUES ($1, 'claude-code', 's1', 'payments', 'resource', 'claude-sonnet-4', '2026-02-05T09:00Z', '2026-02-05T10:00Z', 4, 0, $2),
              ($1, 'codex', 's2', NULL, NULL, 'gpt-5-codex', '2026-02-06T09:00Z', '2026-02-06T09:30Z', 3, 1, $3),
              ($1, 'codex', 's3', NULL, NULL, 'gpt-5-codex', '2026-02-07T09:00Z', '2026-02-07T09:30Z', 0, 0, $4)`,
      [ORG, ++raw, ++raw, ++raw],
    );

    // Production deployments: d1 of a commit authored 12 h before, followed by an incident 6 h later (failed);
    // d2 of an unknown commit, its incident 48 h later is outside the 24 h window (not failed, no lead time).
    // A preview deployment is not a production change.
    await sql(`INSERT INTO commits (org_id, source, repo, sha, message, branch, authored_at, raw_event_id) VALUES ($1, 'github', 'acme/web', 'm1', 'release', 'main', '2026-02-10T00:00Z', $2)`, [ORG, ++raw]);
    const deploy = (id: string, kind: string, sha: string, at: string) =>
      sql(
        `INSERT INTO deployments (org_id, source, external_id, repo, environment, environment_kind, sha, status, created_at, succeeded_at, source_updated_at, raw_event_id)
         VALUES ($1, 'github', $2, 'acme/web', $3, $3, $4, 'success', $5, $5, $5, $6)`,
        [ORG, id, kind, sha, at, ++raw],
      );
    await deploy('d1', 'production', 'm1', '2026-02-10T12:00Z');
    await deploy('d2', 'production', 'zz', '2026-02-12T00:00Z');
    await deploy('d3', 'preview', 'm1', '2026-02-10T11:00Z');
    const incident = (id: string, at: string) =>
      sql(`INSERT INTO incidents (org_id, source, external_id, title, status, opened_at, source_updated_at, raw_event_id) VALUES ($1, 'events', $2, $2, 'opened', $3, $3, $4)`, [ORG, id, at, ++raw]);
    await incident('i1', '2026-02-10T18:00Z');
    await incident('i2', '2026-02-14T00:00Z');

    // An experiment of payments whose PR is #1 (Codex): insight → evidence 48 h.
    await sql(
      `INSERT INTO experiments (org_id, id, work_item_source, work_item_key, title, team, insight_at, pr_source, pr_repo, pr_number, pr_opened_at, evidence_at, evidence_kind)
       VALUES ($1, '22222222-2222-4222-8222-222222222222', 'jira', 'PAY-1', 'Refunds', 'payments', '2026-02-01T00:00Z', 'github', 'acme/web', 1, '2026-02-01T00:00Z', '2026-02-03T00:00Z', 'ci_success')`,
      [ORG],
    );
  });
  afterAll(() => close());

  it('gives one observation per item, with its value and dimensions', async () => {
    const observations = await readObservations((q) => dataSource.query(q.text, q.params), ORG, FROM, TO);
    const at = (iso: string) => Date.parse(iso);
    const emmaCodex = { teams: ['payments'], agent: 'codex', model: null, repo: 'acme/web' };
    const expected: Observation[] = [
      { metric: 'pr-merge-rate', at: at('2026-02-01T10:00Z'), value: 1, ...emmaCodex },
      { metric: 'pr-cycle-time', at: at('2026-02-01T10:00Z'), value: 14, ...emmaCodex },
      { metric: 'pr-merge-rate', at: at('2026-02-02T00:00Z'), value: 0, teams: ['payments'], agent: null, model: null, repo: 'acme/web' },
      { metric: 'pr-merge-rate', at: at('2026-02-03T05:00Z'), value: 1, teams: [], agent: 'copilot', model: null, repo: 'acme/web' },
      { metric: 'pr-cycle-time', at: at('2026-02-03T05:00Z'), value: 5, teams: [], agent: 'copilot', model: null, repo: 'acme/web' },
      { metric: 'ci-first-pass', at: at('2026-01-31T21:00Z'), value: 0, ...emmaCodex },
      { metric: 'ci-first-pass', at: at('2026-02-01T23:00Z'), value: 1, teams: ['payments'], agent: null, model: null, repo: 'acme/web' },
      { metric: 'session-success', at: at('2026-02-05T09:00Z'), value: 1, teams: ['payments'], agent: 'claude-code', model: 'claude-sonnet-4', repo: null },
      { metric: 'session-success', at: at('2026-02-06T09:00Z'), value: 0, teams: [], agent: 'codex', model: 'gpt-5-codex', repo: null },
      { metric: 'change-failure-rate', at: at('2026-02-10T12:00Z'), value: 1, teams: [], agent: null, model: null, repo: 'acme/web' },
      { metric: 'lead-time', at: at('2026-02-10T12:00Z'), value: 12, teams: [], agent: null, model: null, repo: 'acme/web' },
      { metric: 'change-failure-rate', at: at('2026-02-12T00:00Z'), value: 0, teams: [], agent: null, model: null, repo: 'acme/web' },
      { metric: 'insight-to-evidence', at: at('2026-02-03T00:00Z'), value: 48, ...emmaCodex },
    ];
    const order = (o: Observation) => `${o.metric}|${o.at}`;
    expect([...observations].sort((a, b) => order(a).localeCompare(order(b)))).toEqual([...expected].sort((a, b) => order(a).localeCompare(order(b))));
  });
});
