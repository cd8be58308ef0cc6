import type { Sql } from '../project/project-facts';
import {
  agentFromAuthor,
  agentFromCommitAuthor,
  agentNameOf,
  agentsFromCoAuthors,
  agentsFromPrText,
  ATTRIBUTION_STRENGTH,
  type AgentAttribution,
  type AttributionReason,
} from './agent-attribution';
import { targetKey, type LinkTarget } from './relink';

/** An agent session that reported the commit sha or the branch it worked on. */
export interface SessionReport {
  agent: string;
  sessionId: string;
  reported: 'sha' | 'branch';
}

/** What a pull request row says about who wrote it. */
export interface PullRequestEvidence {
  authorLogin: string | null;
  authorIsBot: boolean;
  body: string;
  labels: string[];
  /** Sessions that reported the PR's head branch or head sha. */
  sessions: SessionReport[];
}

/** What a commit row says about who wrote it. */
export interface CommitEvidence {
  authorLogin: string | null;
  authorEmail: string | null;
  message: string;
  /** Sessions that reported the commit's sha. */
  sessions: SessionReport[];
}

/** The order reasons are listed in when strengths tie (DESIGN §4: strongest first). */
const REASON_ORDER: readonly AttributionReason[] = ['author_is_agent_bot', 'session_reported_sha', 'session_reported_branch', 'co_author_trailer', 'pr_footer', 'pr_label'];

/** Strongest first; then by reason and agent, so the first one is the attribution a PR or commit is known by. */
export function strongestFirst(attributions: AgentAttribution[]): AgentAttribution[] {
  return [...attributions].sort(
    (a, b) => b.strength - a.strength || REASON_ORDER.indexOf(a.reason) - REASON_ORDER.indexOf(b.reason) || (a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : 0),
  );
}

/** One attribution per agent per session reason; the match names the first session (by id) that reported it. */
function fromSessions(sessions: SessionReport[]): AgentAttribution[] {
  const out: AgentAttribution[] = [];
  const sorted = [...sessions].sort((a, b) => (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0));
  for (const s of sorted) {
    const agent = agentNameOf(s.agent);
    const reason: AttributionReason = s.reported === 'sha' ? 'session_reported_sha' : 'session_reported_branch';
    if (out.some((a) => a.agent === agent && a.reason === reason)) continue;
    out.push({ agent, reason, strength: ATTRIBUTION_STRENGTH[reason], match: `${s.agent} session ${s.sessionId}` });
  }
  return out;
}

/** Every attribution of a PR (its author, sessions, body footers and labels), strongest first. */
export function attributePullRequest(pr: PullRequestEvidence): AgentAttribution[] {
  const author = agentFromAuthor(pr.authorLogin, pr.authorIsBot);
  return strongestFirst([...(author ? [author] : []), ...fromSessions(pr.sessions), ...agentsFromPrText(pr.body, pr.labels)]);
}

/** Every attribution of a commit (its author, sessions, co-author trailers), strongest first. */
export function attributeCommit(commit: CommitEvidence): AgentAttribution[] {
  const author = agentFromCommitAuthor(commit.authorLogin, commit.authorEmail);
  return strongestFirst([...(author ? [author] : []), ...fromSessions(commit.sessions), ...agentsFromCoAuthors(commit.message)]);
}

type Query = <T>(text: string, params: unknown[]) => Promise<T[]>;

/** An agent session whose reported refs (agent_session_git_refs) changed: its commits and PRs are attributed again. */
export interface SessionTarget {
  type: 'agent_session';
  agent: string;
  sessionId: string;
}

export type AttributeTarget = LinkTarget | SessionTarget;

/**
 * When a session's report counts (DESIGN §4), both checked against the stored rows, so arrival order never matters:
 * - a sha: the commit was authored after the session began and before the session saw it as HEAD (a HEAD the
 *   session started from is the base it worked on, not its work), with 5 minutes of clock skew either side;
 * - a branch: a PR of the same repository with that head branch (never its base branch), alive while the session
 *   ran: the session began before the PR was merged or closed and ended at most 14 days before it was opened.
 */
const SESSION_SHA_SQL = `
  SELECT c.source || ':' || c.repo || '@' || c.sha AS key, r.agent, r.session_id
  FROM commits c
  JOIN agent_session_git_refs r ON r.org_id = c.org_id AND r.ref_type = 'sha' AND r.ref_value = c.sha AND (r.repo = '' OR r.repo = lower(c.repo))
  JOIN agent_sessions s ON s.org_id = r.org_id AND s.agent = r.agent AND s.session_id = r.session_id
  WHERE c.org_id = $1 AND c.source || ':' || c.repo || '@' || c.sha = ANY($2::text[])
    AND c.authored_at >= s.started_at - interval '5 minutes' AND c.authored_at <= r.first_seen_at + interval '5 minutes'`;

const SESSION_BRANCH_SQL = `
  SELECT p.source || ':' || p.repo || '#' || p.number AS key, r.agent, r.session_id
  FROM pull_requests p
  JOIN agent_session_git_refs r ON r.org_id = p.org_id AND r.ref_type = 'branch' AND r.ref_value = p.head_ref AND r.repo = lower(p.repo)
  JOIN agent_sessions s ON s.org_id = r.org_id AND s.agent = r.agent AND s.session_id = r.session_id
  WHERE p.org_id = $1 AND p.source || ':' || p.repo || '#' || p.number = ANY($2::text[]) AND p.head_ref <> p.base_ref
    AND s.started_at <= COALESCE(p.merged_at, p.closed_at, 'infinity'::timestamptz) AND s.ended_at >= p.opened_at - interval '14 days'`;

/** The commits and PRs a session's refs may name (the time rules are applied when their evidence is read). */
async function targetsOfSessions(query: Query, orgId: string, sessions: SessionTarget[]): Promise<LinkTarget[]> {
  if (sessions.length === 0) return [];
  const params = [orgId, sessions.map((s) => s.agent), sessions.map((s) => s.sessionId)];
  const commits = await query<{ key: string }>(
    `SELECT DISTINCT c.source || ':' || c.repo || '@' || c.sha AS key
     FROM unnest($2::text[], $3::text[]) AS x(agent, session_id)
     JOIN agent_session_git_refs r ON r.org_id = $1 AND r.agent = x.agent AND r.session_id = x.session_id AND r.ref_type = 'sha'
     JOIN commits c ON c.org_id = r.org_id AND c.sha = r.ref_value AND (r.repo = '' OR r.repo = lower(c.repo))`,
    params,
  );
  const prs = await query<{ key: string }>(
    `SELECT DISTINCT p.source || ':' || p.repo || '#' || p.number AS key
     FROM unnest($2::text[], $3::text[]) AS x(agent, session_id)
     JOIN agent_session_git_refs r ON r.org_id = $1 AND r.agent = x.agent AND r.session_id = x.session_id AND r.ref_type = 'branch' AND r.repo <> ''
     JOIN pull_requests p ON p.org_id = r.org_id AND p.head_ref = r.ref_value AND lower(p.repo) = r.repo`,
    params,
  );
  return [...commits.map((c) => ({ type: 'commit' as const, key: c.key })), ...prs.map((p) => ({ type: 'pull_request' as const, key: p.key }))];
}

async function sessionReports(query: Query, text: string, orgId: string, keys: string[], reported: SessionReport['reported']): Promise<Map<string, SessionReport[]>> {
  const out = new Map<string, SessionReport[]>();
  if (keys.length === 0) return out;
  for (const row of await query<{ key: string; agent: string; session_id: string }>(text, [orgId, keys])) {
    const list = out.get(row.key) ?? [];
    list.push({ agent: row.agent, sessionId: row.session_id, reported });
    out.set(row.key, list);
  }
  return out;
}

interface AttributionRow {
  targetType: 'pull_request' | 'commit';
  targetKey: string;
  attribution: AgentAttribution;
  rawEventId: string;
}

/** DESIGN §6: multi-row statements of at most ~1,000 rows. */
const CHUNK = 1000;

/**
 * Recomputes the agent attributions of the given PRs and commits from their stored rows (the attribute step),
 * like relink does for links: a function of the rows, never of arrival order. Every reason is kept with its
 * strength; readers take the strongest.
 *
 * Sessions that reported where they worked (agent_session_git_refs) add `session_reported_sha` and
 * `session_reported_branch` attributions; a session target re-attributes the commits and PRs its refs name.
 */
export async function reattribute(query: Query, sql: Sql, orgId: string, targets: ReadonlyArray<AttributeTarget>): Promise<number> {
  const sessions = targets.filter((t): t is SessionTarget => t.type === 'agent_session');
  const all = [...targets.filter((t): t is LinkTarget => t.type !== 'agent_session'), ...(await targetsOfSessions(query, orgId, sessions))];
  const prKeys = [...new Set(all.filter((t) => t.type === 'pull_request').map((t) => t.key))];
  const commitKeys = [...new Set(all.filter((t) => t.type === 'commit').map((t) => t.key))];
  const rows: AttributionRow[] = [];
  const prSessions = await sessionReports(query, SESSION_BRANCH_SQL, orgId, prKeys, 'branch');
  const commitSessions = await sessionReports(query, SESSION_SHA_SQL, orgId, commitKeys, 'sha');

  if (prKeys.length > 0) {
    const prs = await query<{ source: string; repo: string; number: number; author_login: string | null; author_is_bot: boolean; body: string; labels: string[]; raw_event_id: string }>(
      `SELECT source, repo, number, author_login, author_is_bot, body, labels, raw_event_id FROM pull_requests
       WHERE org_id = $1 AND source || ':' || repo || '#' || number = ANY($2::text[])`,
      [orgId, prKeys],
    );
    for (const p of prs) {
      const key = targetKey.pullRequest(p.source, p.repo, p.number);
      const found = attributePullRequest({ authorLogin: p.author_login, authorIsBot: p.author_is_bot, body: p.body, labels: p.labels, sessions: prSessions.get(key) ?? [] });
      for (const attribution of found) rows.push({ targetType: 'pull_request', targetKey: key, attribution, rawEventId: p.raw_event_id });
    }
  }
  if (commitKeys.length > 0) {
    const commits = await query<{ source: string; repo: string; sha: string; author_login: string | null; author_email: string | null; message: string; raw_event_id: string }>(
      `SELECT source, repo, sha, author_login, author_email, message, raw_event_id FROM commits
       WHERE org_id = $1 AND source || ':' || repo || '@' || sha = ANY($2::text[])`,
      [orgId, commitKeys],
    );
    for (const c of commits) {
      const key = targetKey.commit(c.source, c.repo, c.sha);
      const found = attributeCommit({ authorLogin: c.author_login, authorEmail: c.author_email, message: c.message, sessions: commitSessions.get(key) ?? [] });
      for (const attribution of found) rows.push({ targetType: 'commit', targetKey: key, attribution, rawEventId: c.raw_event_id });
    }
  }

  for (const [type, keys] of [['pull_request', prKeys], ['commit', commitKeys]] as const) {
    for (let start = 0; start < keys.length; start += CHUNK) {
      await sql(`DELETE FROM agent_attributions WHERE org_id = $1 AND target_type = $2 AND target_key = ANY($3::text[])`, [orgId, type, keys.slice(start, start + CHUNK)]);
    }
  }
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    await sql(
      `INSERT INTO agent_attributions (org_id, target_type, target_key, agent, reason, strength, match, raw_event_id)
       SELECT $1::uuid, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::real[], $7::text[], $8::bigint[])
       ON CONFLICT (org_id, target_type, target_key, agent, reason) DO NOTHING`,
      [
        orgId,
        chunk.map((r) => r.targetType),
        chunk.map((r) => r.targetKey),
        chunk.map((r) => r.attribution.agent),
        chunk.map((r) => r.attribution.reason),
        chunk.map((r) => r.attribution.strength),
        chunk.map((r) => r.attribution.match),
        chunk.map((r) => r.rawEventId),
      ],
    );
  }
  return rows.length;
}
