import type { DataSource } from 'typeorm';
import { sqlBucket } from '../../server/src/metrics/buckets';
import { adoption } from '../../server/src/metrics/families/adoption.sql';
import { agentCost } from '../../server/src/metrics/families/agent-cost.sql';
import { agentQuality } from '../../server/src/metrics/families/agent-quality.sql';
import type { MetricFamily, MetricPlan } from '../../server/src/metrics/metric-family';
import { sessionsSql } from '../../server/src/regressions/observations/observations.sql';
import { openTestDataSource } from '../support/test-data-source';
import { insertCiRun } from '../support/domain-rows';

/**
 * Edge cases of the agent definitions the set-based SQL must keep (docs/metrics.md, "A session's person";
 * agent-quality's revert window and first CI round), on hand-made rows, expected values worked out by hand.
 */
const ORG = '00000000-0000-0000-0000-000000000001';
const ANN = '10000000-0000-4000-8000-000000000001';
const BOB = '20000000-0000-4000-8000-000000000002';
const CARL = '30000000-0000-4000-8000-000000000003';
const DANA = '40000000-0000-4000-8000-000000000004';
const BOT = '50000000-0000-4000-8000-000000000005';
const FROM = new Date('2026-03-02T00:00:00Z');
const TO = new Date('2026-03-09T00:00:00Z');

describe('agent metrics: person resolution, reverts and first CI round', () => {
  let dataSource: DataSource;
  let close: () => Promise<void>;
  let raw = 0;
  const sql = (text: string, params: unknown[] = []) => dataSource.query(text, params);
  const run = async (family: MetricFamily, plan: Partial<MetricPlan>) => {
    const q = family.sql({ orgId: ORG, from: FROM, to: TO, groupBy: null, filters: {}, bucket: sqlBucket('week'), interval: 'week', ...plan });
    return sql(q.text, q.params);
  };

  async function session(id: string, personKey: string | null, at: string) {
    await sql(
      `INSERT INTO agent_sessions (org_id, agent, session_id, person_key, started_at, ended_at, runs, errors, cost_usd, cost_source, raw_event_id)
       VALUES ($1, 'claude-code', $2, $3, $4, $4::timestamptz + interval '1 hour', 1, 0, 1, 'reported', $5)`,
      [ORG, id, personKey, at, ++raw],
    );
  }
  async function pr(number: number, title: string, merged: string, head: string, headSha: string) {
    await sql(
      `INSERT INTO pull_requests (org_id, source, repo, number, title, body, author_id, author_login, author_is_bot, state, draft, head_ref, head_sha, base_ref,
                                  opened_at, merged_at, closed_at, source_updated_at, raw_event_id)
       VALUES ($1, 'github', 'acme/web', $2, $3, '', 'github:dana', 'dana', false, 'merged', false, $4, $5, 'main', $6::timestamptz - interval '1 day', $6, $6, $6, $7)`,
      [ORG, number, title, head, headSha, merged, ++raw],
    );
  }
  const ci = (id: string, sha: string, prNumbers: number[], conclusion: string, completed: string) => insertCiRun(sql, ORG, ++raw, { id, sha, prNumbers, conclusion, completed });

  beforeAll(async () => {
    ({ dataSource, close } = await openTestDataSource());
    for (const [key] of [['a'], ['b'], ['c'], ['d1'], ['d2']]) await sql(`INSERT INTO teams (org_id, key, name) VALUES ($1, $2, $2)`, [ORG, key]);
    await sql(
      `INSERT INTO people (org_id, id, display_name, email, is_bot, origin) VALUES
         ($1, '${ANN}', 'Ann', 'ann@acme.test', false, 'import'),
         ($1, '${BOB}', 'Bob', 'bob@acme.test', false, 'import'),
         ($1, '${CARL}', 'Carl', 'carl@acme.test', false, 'import'),
         ($1, '${DANA}', 'Dana', 'dana@acme.test', false, 'import'),
         ($1, '${BOT}', 'Shared bot', 'shared@acme.test', true, 'resolved')`,
      [ORG],
    );
    await sql(
      `INSERT INTO team_members (org_id, team_key, person_id) VALUES ($1, 'a', '${ANN}'), ($1, 'b', '${BOB}'), ($1, 'c', '${CARL}'), ($1, 'd1', '${DANA}'), ($1, 'd2', '${DANA}')`,
      [ORG],
    );
    // Bob's GitHub account carries Ann's address and an extra one; the teams file gives Carl that extra address too.
    await sql(`INSERT INTO identities (org_id, source, external_id, login, email) VALUES ($1, 'github', 'bob', 'bob', 'ANN@acme.test'), ($1, 'github', 'bob2', 'bob2', 'Extra@Acme.test'), ($1, 'github', 'bob3', 'bob3', 'bob.home@acme.test'), ($1, 'github', 'botacct', 'botacct', 'shared@acme.test')`, [ORG]);
    await sql(
      `INSERT INTO identity_people (org_id, source, external_id, person_id, reason) VALUES ($1, 'github', 'bob', '${BOB}', 'login'), ($1, 'github', 'bob2', '${BOB}', 'login'),
         ($1, 'github', 'bob3', '${BOB}', 'login'), ($1, 'github', 'botacct', '${BOT}', 'login'), ($1, 'github', 'dana', '${DANA}', 'login')`,
      [ORG],
    );
    await sql(`INSERT INTO identity_mappings (org_id, source, match, person_email) VALUES ($1, 'email', 'extra@acme.test', 'carl@acme.test')`, [ORG]);

    // s1: a person's own email (any case) wins over an identity carrying it → Ann.
    await session('s1', 'Ann@ACME.test', '2026-03-02T09:00Z');
    // s2: the teams file's extra email wins over an identity's → Carl.
    await session('s2', 'extra@acme.test', '2026-03-03T09:00Z');
    // s3: only an identity's email → Bob.
    await session('s3', 'Bob.Home@acme.test', '2026-03-03T10:00Z');
    // s4: a bot person's email, and a bot's identity: bots are never a session's person → nobody, counts as its own user.
    await session('s4', 'shared@acme.test', '2026-03-04T09:00Z');
    // s5: an account id nobody carries → nobody; s6: Dana, in two teams → no team of her person.
    await session('s5', 'github:42', '2026-03-04T10:00Z');
    await session('s6', 'dana@acme.test', '2026-03-05T09:00Z');
    // s7: Ann again, lower case: the same user.
    await session('s7', 'ann@acme.test', '2026-03-06T09:00Z');

    // Reverts (PRs of Dana, no agent): #10 reverted by #11 14 days later exactly (within the window);
    // #12 reverted by #13 14 days and 1 minute later (outside it); #14 "reverted" in another repository: not a revert.
    await pr(10, 'Add the cart', '2026-03-02T12:00Z', 'f10', 'h10');
    await pr(11, 'Revert "Add the cart"', '2026-03-16T12:00Z', 'r11', 'h11');
    await pr(12, 'Add the shop', '2026-03-03T12:00Z', 'f12', 'h12');
    await pr(13, 'Revert "Add the shop"', '2026-03-17T12:01Z', 'r13', 'h13');
    await pr(14, 'Add the till', '2026-03-04T12:00Z', 'f14', 'h14');
    await pr(15, 'Revert "Add the till"', '2026-03-10T12:00Z', 'r15', 'h15');
    await sql(`UPDATE pull_requests SET repo = 'acme/api' WHERE number = 15`);

    // First CI round. #10: two commits complete at the same instant, 'a1' (failed) and 'b1' (green): the smaller sha
    // is the first round → red. A later green on the head commit does not matter.
    await ci('c1', 'b1', [10], 'success', '2026-03-02T10:00Z');
    await ci('c2', 'a1', [10], 'failure', '2026-03-02T10:00Z');
    await ci('c3', 'h10', [], 'success', '2026-03-02T11:00Z');
    // #12: its first round is on its head commit (found by sha, listing no PR): two runs, both green → green;
    // a cancelled earlier run says nothing; a run listing #12 of another repository is not #12's.
    await ci('c4', 'x0', [12], 'cancelled', '2026-03-03T08:00Z');
    await ci('c5', 'h12', [], 'success', '2026-03-03T09:00Z');
    await ci('c6', 'h12', [12], 'success', '2026-03-03T09:30Z');
    await sql(`INSERT INTO ci_runs (org_id, source, repo, run_kind, external_id, name, head_sha, status, conclusion, completed_at, pr_numbers, source_updated_at, raw_event_id)
               VALUES ($1, 'github', 'acme/api', 'check_suite', 'c7', 'ci', 'zz', 'completed', 'failure', '2026-03-03T01:00Z', '{12}', '2026-03-03T01:00Z', $2)`, [ORG, ++raw]);
  });

  afterAll(async () => {
    await close();
  });

  it('resolves a session person by their email, then the teams file extra email, then an identity email; never a bot', async () => {
    const rows: Array<{ team: string | null; at: Date }> = await sql(sessionsSql(ORG, FROM, TO).text, sessionsSql(ORG, FROM, TO).params);
    expect(rows.map((r) => r.team ?? '(none)').sort()).toEqual(['(none)', '(none)', '(none)', 'a', 'a', 'b', 'c']);

    const byTeam: Array<{ dim: string; sessions: string }> = await run(agentCost, { groupBy: 'team' });
    expect(Object.fromEntries(byTeam.map((r) => [r.dim, Number(r.sessions)]))).toEqual({ a: 2, b: 1, c: 1, '(none)': 3 });

    // Users: Ann (twice), Carl, Bob, Dana, and the two keys nobody matches → 6.
    const [week] = await run(adoption, {});
    expect(Number(week.activeAgentUsers)).toBe(6);
    const teams = await run(adoption, { groupBy: 'team' });
    const users = Object.fromEntries(teams.map((r: { dim: string; activeAgentUsers: string }) => [r.dim, Number(r.activeAgentUsers)]));
    // Dana counts in both her teams; the unknown keys in none.
    expect(users).toEqual(expect.objectContaining({ a: 1, b: 1, c: 1, d1: 1, d2: 1, '(none)': 2 }));
  });

  it('counts a revert merged within 14 days (inclusive) in the same repository, and the first CI round by completion then sha', async () => {
    const [week] = await run(agentQuality, {});
    // Merged in the week: #10, #12, #14 (no agent: "other"). Reverted: #10 only → 1/3.
    expect(Number(week.otherPrs)).toBe(3);
    expect(week.otherRevertRate).toBeCloseTo(1 / 3, 6);
    // CI results: #10 red (first round a1 failed), #12 green; #14 none → 1/2.
    expect(week.otherFirstPassCiGreen).toBeCloseTo(0.5, 6);
    // Session → PR: no assisted PR → 0 of the 5 sessions whose person is known (Ann twice, Carl, Bob, Dana).
    expect(Number(week.sessions)).toBe(7);
    expect(week.sessionToPr).toBe(0);
  });
});
