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
 * Agent sessions report no commit sha or branch yet (agent_sessions has no such column: Claude Code and
 * Codex do not export them), so `session_reported_*` attributions cannot arise from stored data today; the
 * computation takes them as soon as the OTLP normalizer keeps them (e.g. the `vcs.ref.head.name` and
 * `vcs.ref.head.revision` resource attributes).
 */
export async function reattribute(query: Query, sql: Sql, orgId: string, targets: LinkTarget[]): Promise<number> {
  const prKeys = [...new Set(targets.filter((t) => t.type === 'pull_request').map((t) => t.key))];
  const commitKeys = [...new Set(targets.filter((t) => t.type === 'commit').map((t) => t.key))];
  const rows: AttributionRow[] = [];

  if (prKeys.length > 0) {
    const prs = await query<{ source: string; repo: string; number: number; author_login: string | null; author_is_bot: boolean; body: string; labels: string[]; raw_event_id: string }>(
      `SELECT source, repo, number, author_login, author_is_bot, body, labels, raw_event_id FROM pull_requests
       WHERE org_id = $1 AND source || ':' || repo || '#' || number = ANY($2::text[])`,
      [orgId, prKeys],
    );
    for (const p of prs) {
      const key = targetKey.pullRequest(p.source, p.repo, p.number);
      const found = attributePullRequest({ authorLogin: p.author_login, authorIsBot: p.author_is_bot, body: p.body, labels: p.labels, sessions: [] });
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
      const found = attributeCommit({ authorLogin: c.author_login, authorEmail: c.author_email, message: c.message, sessions: [] });
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
