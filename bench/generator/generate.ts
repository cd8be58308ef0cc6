import { buildOrg, HUMAN, MODELS, REGRESSION, type GeneratorOptions, type ModelProfile, type Org, type Person, type Repo } from './org';
import {
  agentLogsPayload,
  checkSuitePayload,
  COPILOT,
  createBranchPayload,
  DEPENDABOT,
  deploymentPayload,
  deploymentStatusPayload,
  issuesPayload,
  linearIssuePayload,
  personActor,
  pullRequestPayload,
  pushPayload,
  type CommitSpec,
  type GithubActor,
  type Json,
} from './payloads';
import { hexOf, Random, uuidOf } from './random';

/** One delivery, in the format of its source, and when it happens. */
export type GeneratedEvent =
  | { source: 'github'; at: Date; event: string; deliveryId: string; payload: Json }
  | { source: 'linear'; at: Date; deliveryId: string; payload: Json }
  | { source: 'otlp'; at: Date; signal: 'logs'; team: string; payload: Json }
  | { source: 'events'; at: Date; payload: Json };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** The insight labels (DESIGN §5) and the GitHub label that makes an issue an incident. */
const INSIGHT_LABEL = 'customer-request';

const REQUESTS = [
  'CSV export of the monthly report', 'SSO with Okta', 'bulk edit of invoices', 'dark mode in the dashboard', 'webhook retries',
  'faster search on large accounts', 'Slack alerts for failed payments', 'audit log export', 'saved filters', 'multi-currency totals',
  'two-factor recovery codes', 'API rate limit headers', 'offline mode on mobile', 'usage-based pricing preview', 'GDPR data export',
  'custom fields on customers', 'PDF receipts', 'team-level permissions', 'calendar sync', 'inline comments on reports',
];

/**
 * The synthetic org's deliveries, week by week (each week's in time order). Each experiment and each repo-day
 * draws from its own random stream, so the output is a function of the options alone.
 */
export function* generateEvents(options: GeneratorOptions): Generator<GeneratedEvent> {
  const org = buildOrg(options);
  const counters = { issue: new Map<string, number>() };
  for (let week = 0; week < org.weeks; week++) {
    const events: GeneratedEvent[] = [];
    const weekStart = new Date(org.start.getTime() + week * WEEK);
    for (const person of org.people) {
      const rnd = new Random(org.seed, 'person-week', person.index, week);
      const count = rnd.poisson(org.rate);
      for (let i = 0; i < count; i++) experiment(org, person, week, i, weekStart, events, counters);
    }
    for (const repo of org.repos) repoWeek(org, repo, week, weekStart, events);
    events.sort((a, b) => a.at.getTime() - b.at.getTime());
    for (const event of events) if (event.at < org.now && event.at < org.end) yield event;
  }
}

export { buildOrg };

/** Working hours of a day: 8:00-18:00 UTC on weekdays (a weekend moves to Monday). */
function workingTime(rnd: Random, day: Date): Date {
  const d = new Date(day);
  const dow = d.getUTCDay();
  if (dow === 6) d.setUTCDate(d.getUTCDate() + 2);
  if (dow === 0) d.setUTCDate(d.getUTCDate() + 1);
  d.setUTCHours(8, 0, 0, 0);
  return new Date(d.getTime() + rnd.next() * 10 * HOUR);
}

function nextNumber(counters: { issue: Map<string, number> }, key: string): number {
  const n = (counters.issue.get(key) ?? 0) + 1;
  counters.issue.set(key, n);
  return n;
}

function profileFor(org: Org, person: Person, week: number, rnd: Random): (ModelProfile & { regressed: boolean }) | null {
  if (week < person.adoptsAtWeek) return null;
  // Share of a person's experiments done with an agent: from 30% at adoption to 85% after ~8 weeks.
  const share = Math.min(0.85, 0.3 + (week - person.adoptsAtWeek) * 0.07);
  if (!rnd.chance(share)) return null;
  const model = rnd.chance(0.8) ? person.preferred : rnd.pick(MODELS);
  const regressed = model.agent === REGRESSION.agent && model.model === REGRESSION.model && week >= org.weeks - REGRESSION.weeks;
  return regressed ? { ...model, mergeRate: REGRESSION.mergeRate, firstPassGreen: REGRESSION.firstPassGreen, regressed } : { ...model, regressed };
}

function experiment(org: Org, person: Person, week: number, i: number, weekStart: Date, out: GeneratedEvent[], counters: { issue: Map<string, number> }): void {
  const rnd = new Random(org.seed, 'experiment', person.index, week, i);
  const team = person.team;
  const repo = rnd.pick(team.repos);
  const profile = profileFor(org, person, week, rnd);
  const quality = profile ?? HUMAN;
  const tag = `${person.index}-${week}-${i}`;
  const request = `${rnd.pick(REQUESTS)}`;
  const insightAt = workingTime(rnd, new Date(weekStart.getTime() + rnd.int(0, 6) * DAY));
  const viaLinear = rnd.chance(0.7);
  const gh = (event: string, at: Date, payload: Json) => out.push({ source: 'github', at, event, deliveryId: uuidOf(org.seed, 'delivery', tag, event, out.length, at.getTime()), payload });

  // 1. The insight.
  const requester = rnd.pick(team.people);
  let issueNumber = 0;
  let linearKey = '';
  const title = `Customers ask for ${request}`;
  if (viaLinear) {
    issueNumber = nextNumber(counters, `linear:${team.key}`);
    linearKey = `${team.key}-${issueNumber}`;
    out.push({ source: 'linear', at: insightAt, deliveryId: uuidOf(org.seed, 'linear-delivery', tag, 'create'), payload: linearIssuePayload(org, { team, number: issueNumber, title, labels: [INSIGHT_LABEL], creator: requester, assignee: person, createdAt: insightAt, updatedAt: insightAt, state: 'Todo', action: 'create' }) });
  } else {
    issueNumber = nextNumber(counters, `github:${repo.fullName}`);
    gh('issues', insightAt, issuesPayload(org, { repo, number: issueNumber, title, body: `From a customer call: ${request}.`, labels: [INSIGHT_LABEL], author: personActor(requester), createdAt: insightAt, updatedAt: insightAt, closedAt: null, action: 'opened' }));
  }

  // 2. Work starts: the state moves to In Progress, an agent session or a branch.
  const waitHours = rnd.lognormal(team.waitMedianHours * (profile ? 0.7 : 1), 0.9);
  const startAt = new Date(insightAt.getTime() + waitHours * HOUR);
  if (viaLinear) {
    out.push({ source: 'linear', at: startAt, deliveryId: uuidOf(org.seed, 'linear-delivery', tag, 'start'), payload: linearIssuePayload(org, { team, number: issueNumber, title, labels: [INSIGHT_LABEL], creator: requester, assignee: person, createdAt: insightAt, updatedAt: startAt, state: 'In Progress', previousState: 'Todo', action: 'update' }) });
  }
  const slug = request.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 40).replace(/-$/, '');
  const copilot = profile?.agent === 'copilot';
  const branch = viaLinear ? `${copilot ? 'copilot' : person.login}/${linearKey.toLowerCase()}-${slug}` : `${copilot ? 'copilot' : person.login}/issue-${issueNumber}-${slug}`;
  const author: GithubActor = copilot ? COPILOT : personActor(person);
  const buildHours = rnd.lognormal(14 / quality.buildSpeedup, 0.8);
  if (profile && profile.agent !== 'copilot') {
    const sessions = rnd.int(1, 3);
    for (let s = 0; s < sessions; s++) {
      const at = new Date(startAt.getTime() + (s / sessions) * buildHours * 0.8 * HOUR + 5 * 60_000);
      const requests = rnd.int(2, 6);
      out.push({
        source: 'otlp',
        at: new Date(at.getTime() + requests * 10_000),
        signal: 'logs',
        team: team.key,
        payload: agentLogsPayload({ agent: profile.agent, model: profile.model, sessionId: uuidOf(org.seed, 'session', tag, s), person, start: at, requests, rejected: rnd.chance(0.2) ? 1 : 0, errors: rnd.chance(profile.regressed ? 0.5 : 0.15) ? 1 : 0 }),
      });
    }
  }
  gh('create', startAt, createBranchPayload(org, repo, branch, author));

  // 3. Commits, then the PR.
  const trailer = profile?.agent === 'claude-code' ? '\n\nCo-authored-by: Claude <noreply@anthropic.com>' : profile?.agent === 'codex' ? '\n\nCo-authored-by: Codex <codex@openai.com>' : '';
  const gitAuthor = copilot ? { name: 'Copilot', email: '198982749+Copilot@users.noreply.github.com', username: 'Copilot' } : { name: person.name, email: person.email, username: person.login };
  const commitAt = (fraction: number) => new Date(startAt.getTime() + fraction * buildHours * HOUR);
  const commits: CommitSpec[] = [0.3, 0.85].map((f, k) => ({ sha: hexOf(40, 'commit', org.seed, tag, k), message: `${k === 0 ? 'Add' : 'Polish'} ${request}${trailer}`, at: commitAt(f), author: gitAuthor }));
  gh('push', commits[1].at, pushPayload(org, repo, branch, '0000000000000000000000000000000000000000', commits, copilot ? null : person));
  const prAt = new Date(startAt.getTime() + buildHours * HOUR);
  const prNumber = 10_000 + nextNumber(counters, `pr:${repo.fullName}`);
  const footer =
    profile?.agent === 'claude-code' ? '\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)'
    : profile?.agent === 'codex' ? `\n\nhttps://chatgpt.com/codex/tasks/task_e_${hexOf(24, 'task', tag)}`
    : profile?.agent === 'copilot' ? '\n\n<!-- START COPILOT CODING AGENT SUFFIX -->\nCreated from VS Code.\n<!-- END COPILOT CODING AGENT SUFFIX -->'
    : '';
  const prTitle = viaLinear ? `${linearKey}: ${request}` : `${request[0].toUpperCase()}${request.slice(1)}`;
  const prBody = `${viaLinear ? `Implements ${linearKey}.` : `Closes #${issueNumber}`}${footer}`;
  const size = rnd.int(20, 600);
  const pr = (action: 'opened' | 'synchronize' | 'closed', at: Date, headSha: string, merged: boolean, closed: boolean, commitCount: number) =>
    pullRequestPayload(org, { repo, number: prNumber, action, title: prTitle, body: prBody, author, headRef: branch, headSha, createdAt: prAt, updatedAt: at, mergedAt: merged ? at : null, closedAt: closed ? at : null, additions: size, deletions: Math.round(size / 4), commits: commitCount });
  gh('pull_request', prAt, pr('opened', prAt, commits[1].sha, false, false, 2));

  // 4. CI on the PR's head, fixed once when the first pass is red; a preview deployment.
  let head = commits[1].sha;
  let headCommits = 2;
  const green = rnd.chance(quality.firstPassGreen);
  const ciDone = new Date(prAt.getTime() + rnd.lognormal(0.6, 0.5) * HOUR);
  const suiteId = (k: number) => 7_000_000_000 + repo.index * 1_000_000 + (prNumber - 10_000) * 4 + k;
  gh('check_suite', ciDone, checkSuitePayload(org, { repo, id: suiteId(0), headSha: head, headBranch: branch, conclusion: green ? 'success' : 'failure', createdAt: prAt, completedAt: ciDone, prNumbers: [prNumber], sender: author }));
  let evidenceAt = green ? ciDone : null;
  if (!green) {
    const fixAt = new Date(ciDone.getTime() + rnd.lognormal(3, 0.8) * HOUR);
    const fix: CommitSpec = { sha: hexOf(40, 'commit', org.seed, tag, 'fix'), message: `Fix the failing test${trailer}`, at: fixAt, author: gitAuthor };
    gh('push', fixAt, pushPayload(org, repo, branch, head, [fix], copilot ? null : person));
    head = fix.sha;
    headCommits = 3;
    gh('pull_request', new Date(fixAt.getTime() + 1_000), pr('synchronize', new Date(fixAt.getTime() + 1_000), head, false, false, headCommits));
    const rerun = new Date(fixAt.getTime() + rnd.lognormal(0.6, 0.5) * HOUR);
    const secondGreen = rnd.chance(0.85);
    gh('check_suite', rerun, checkSuitePayload(org, { repo, id: suiteId(1), headSha: head, headBranch: branch, conclusion: secondGreen ? 'success' : 'failure', createdAt: fixAt, completedAt: rerun, prNumbers: [prNumber], sender: author }));
    if (secondGreen) evidenceAt = rerun;
  }
  if (rnd.chance(0.75)) {
    const at = new Date(prAt.getTime() + rnd.lognormal(1.2, 0.6) * HOUR);
    const id = 5_000_000_000 + repo.index * 1_000_000 + (prNumber - 10_000) * 2;
    const spec = { repo, id, statusId: id * 10 + 1, environment: `pr-${prNumber}`, kind: 'preview' as const, sha: commits[1].sha, ref: branch, createdAt: at, state: 'success' as const, statusAt: new Date(at.getTime() + 6 * 60_000), url: `https://pr-${prNumber}.${repo.fullName.split('/')[1]}.preview.acme.example`, creator: author };
    gh('deployment', at, deploymentPayload(org, spec));
    gh('deployment_status', spec.statusAt, deploymentStatusPayload(org, spec));
    if (evidenceAt === null || spec.statusAt < evidenceAt) evidenceAt = spec.statusAt;
  }
  const workItemKey = viaLinear ? linearKey : `${repo.fullName}#${issueNumber}`;
  if (rnd.chance(0.1)) {
    const at = new Date(prAt.getTime() + rnd.lognormal(5, 0.7) * HOUR);
    out.push({ source: 'events', at, payload: { id: `eval-${org.seed}-${tag}`, type: 'evidence.recorded', occurredAt: at.toISOString(), workItemKey, kind: 'eval_passed', url: `https://evals.acme.example/runs/${hexOf(12, 'eval', tag)}` } });
    if (evidenceAt === null || at < evidenceAt) evidenceAt = at;
  }

  // 5. The decision: merged (promote), closed (reject), or refined (a decision event; the PR stays open).
  const decidedAt = new Date((evidenceAt ?? ciDone).getTime() + rnd.lognormal(20, 1) * HOUR);
  const merged = rnd.chance(quality.mergeRate);
  if (merged) {
    gh('pull_request', decidedAt, pr('closed', decidedAt, head, true, true, headCommits));
    if (!viaLinear) gh('issues', new Date(decidedAt.getTime() + 2_000), issuesPayload(org, { repo, number: issueNumber, title, body: `From a customer call: ${request}.`, labels: [INSIGHT_LABEL], author: personActor(requester), createdAt: insightAt, updatedAt: new Date(decidedAt.getTime() + 2_000), closedAt: new Date(decidedAt.getTime() + 2_000), action: 'closed' }));
  } else if (rnd.chance(0.7)) {
    gh('pull_request', decidedAt, pr('closed', decidedAt, head, false, true, headCommits));
  } else {
    out.push({ source: 'events', at: decidedAt, payload: { id: `decision-${org.seed}-${tag}`, type: 'decision.made', occurredAt: decidedAt.toISOString(), workItemKey, decision: 'refine', reason: 'Customer wants a narrower first version.', actor: person.email } });
  }
}

/** A repo's week: production deployments of release commits (some followed by an incident), and a dependency update PR. */
function repoWeek(org: Org, repo: Repo, week: number, weekStart: Date, out: GeneratedEvent[]): void {
  const gh = (event: string, at: Date, payload: Json, k: string) => out.push({ source: 'github', at, event, deliveryId: uuidOf(org.seed, 'repo-delivery', repo.index, week, k, event), payload });
  const lead = repo.team.people[0];
  for (let d = 0; d < 5; d++) {
    const rnd = new Random(org.seed, 'deploy', repo.index, week, d);
    if (!rnd.chance(org.deployChance)) continue;
    const day = new Date(weekStart.getTime() + d * DAY);
    const deployAt = new Date(day.getTime() + (15 + rnd.next() * 3) * HOUR);
    const release: CommitSpec = { sha: hexOf(40, 'release', org.seed, repo.index, week, d), message: `Release ${week}.${d}`, at: new Date(deployAt.getTime() - rnd.lognormal(20, 0.7) * HOUR), author: { name: lead.name, email: lead.email, username: lead.login } };
    gh('push', release.at, pushPayload(org, repo, 'main', hexOf(40, 'main-before', repo.index, week, d), [release], lead), `push-${d}`);
    const id = 800_000_000 + repo.index * 100_000 + week * 10 + d;
    const failed = rnd.chance(0.04);
    const spec = { repo, id, statusId: id * 10 + 1, environment: 'production', kind: 'production' as const, sha: release.sha, ref: 'main', createdAt: deployAt, state: failed ? ('failure' as const) : ('success' as const), statusAt: new Date(deployAt.getTime() + 9 * 60_000), url: `https://${repo.fullName.split('/')[1]}.acme.example`, creator: personActor(lead) };
    gh('deployment', deployAt, deploymentPayload(org, spec), `deploy-${d}`);
    gh('deployment_status', spec.statusAt, deploymentStatusPayload(org, spec), `status-${d}`);
    if (!failed && rnd.chance(0.07)) {
      const opened = new Date(spec.statusAt.getTime() + rnd.lognormal(3, 0.8) * HOUR);
      const resolved = new Date(opened.getTime() + rnd.lognormal(2.5, 0.9) * HOUR);
      const number = 50_000 + week * 10 + d;
      const issue = { repo, number, title: `Errors after release ${week}.${d}`, body: 'Error rate above the SLO.', labels: ['incident'], author: personActor(lead), createdAt: opened };
      gh('issues', opened, issuesPayload(org, { ...issue, updatedAt: opened, closedAt: null, action: 'opened' }), `incident-${d}`);
      gh('issues', resolved, issuesPayload(org, { ...issue, updatedAt: resolved, closedAt: resolved, action: 'closed' }), `incident-closed-${d}`);
    }
  }
  const rnd = new Random(org.seed, 'dependabot', repo.index, week);
  if (rnd.chance(0.5)) {
    const at = workingTime(rnd, new Date(weekStart.getTime() + rnd.int(0, 4) * DAY));
    const number = 20_000 + week;
    const sha = hexOf(40, 'dependabot', org.seed, repo.index, week);
    const spec = { repo, number, title: 'Bump undici from 6.21.0 to 6.21.2', body: 'Bumps undici.', author: DEPENDABOT, headRef: `dependabot/npm_and_yarn/undici-6.21.2-${week}`, headSha: sha, createdAt: at, additions: 12, deletions: 12, commits: 1 };
    gh('pull_request', at, pullRequestPayload(org, { ...spec, action: 'opened', updatedAt: at, mergedAt: null, closedAt: null }), 'bump-open');
    const mergedAt = new Date(at.getTime() + rnd.lognormal(8, 0.8) * HOUR);
    gh('pull_request', mergedAt, pullRequestPayload(org, { ...spec, action: 'closed', updatedAt: mergedAt, mergedAt, closedAt: mergedAt }), 'bump-merged');
  }
}
