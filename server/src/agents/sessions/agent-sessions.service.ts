import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AgentRun, AgentSession, AgentSessionDetail, AgentSessionList, AgentSessionQuery } from '@loopmeter/shared';
import { AuthException } from '../../auth/auth.exception';
import type { TeamAccess } from '../../auth/principal';
import { canSeePersonOf, canSeeTeam, visibleTeams } from '../../auth/team-scope';
import { AgentsException } from '../agents.exception';
import { RUN_COLUMNS, SESSION_COLUMNS, sessionFilterSql, type RunRow, type SessionRow } from './agent-sessions.sql';

/** What the caller may see: their teams, whose per-person numbers, and who they are (everyone sees their own). */
export interface SessionViewer {
  access: TeamAccess;
  self?: string;
}

const EVERYTHING: SessionViewer = { access: { teams: 'all', personDetail: 'all' } };

/** At most this many runs are returned with one session. */
const MAX_RUNS = 1_000;

@Injectable()
export class AgentSessionsService {
  constructor(private readonly dataSource: DataSource) {}

  async list(orgId: string, query: AgentSessionQuery, viewer: SessionViewer = EVERYTHING): Promise<AgentSessionList> {
    const params: unknown[] = [orgId];
    const where = sessionFilterSql({ ...query, teams: this.teamsFor(query, viewer) }, params);
    const [{ total }]: Array<{ total: string }> = await this.dataSource.query(`SELECT count(*) AS total FROM agent_sessions WHERE ${where}`, params);
    const rows: SessionRow[] = await this.dataSource.query(
      `SELECT ${SESSION_COLUMNS} FROM agent_sessions WHERE ${where}
       ORDER BY started_at DESC, agent, session_id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, query.limit, query.offset],
    );
    return { items: rows.map((r) => redactPerson(toSession(r), viewer)), total: Number(total), limit: query.limit, offset: query.offset };
  }

  /**
   * The teams a listing is limited to. Filtering by a person shows that person's numbers, so it is limited to
   * the teams whose per-person numbers the caller may see (anyone may look up themselves).
   */
  private teamsFor(query: AgentSessionQuery, viewer: SessionViewer): readonly string[] | undefined {
    const visible = visibleTeams(viewer.access);
    const person = query.person?.includes('@') ? query.person.toLowerCase() : query.person;
    if (person === undefined || viewer.access.personDetail === 'all' || (viewer.self !== undefined && person === viewer.self)) return visible;
    const detail = viewer.access.personDetail.filter((t) => canSeeTeam(viewer.access, t));
    if (detail.length === 0) throw AuthException.personDetailForbidden();
    return detail;
  }

  async get(orgId: string, agent: string, sessionId: string, viewer: SessionViewer = EVERYTHING): Promise<AgentSessionDetail> {
    const [row]: SessionRow[] = await this.dataSource.query(`SELECT ${SESSION_COLUMNS} FROM agent_sessions WHERE org_id = $1 AND agent = $2 AND session_id = $3`, [
      orgId,
      agent,
      sessionId,
    ]);
    if (!row || !canSeeTeam(viewer.access, row.team)) throw AgentsException.sessionNotFound(agent, sessionId);
    const runs: RunRow[] = await this.dataSource.query(
      `SELECT ${RUN_COLUMNS} FROM agent_runs WHERE org_id = $1 AND agent = $2 AND session_id = $3 ORDER BY at, run_key LIMIT ${MAX_RUNS}`,
      [orgId, agent, sessionId],
    );
    return { ...redactPerson(toSession(row), viewer), runs: runs.map(toRun) };
  }
}

/** Per-person numbers only for admins, leads of the session's team, and the person themselves. */
function redactPerson<T extends AgentSession>(session: T, viewer: SessionViewer): T {
  if (canSeePersonOf(viewer.access, session.team) || (viewer.self !== undefined && session.person === viewer.self)) return session;
  return { ...session, person: null, personSource: null };
}

function toSession(r: SessionRow): AgentSession {
  return {
    agent: r.agent,
    sessionId: r.session_id,
    person: r.person_key,
    personSource: r.person_source,
    team: r.team,
    teamSource: r.team_source,
    model: r.model,
    startedAt: r.started_at.toISOString(),
    endedAt: r.ended_at.toISOString(),
    tokens: { input: Number(r.input_tokens), output: Number(r.output_tokens), cacheRead: Number(r.cache_read_tokens), cacheCreation: Number(r.cache_creation_tokens) },
    costUsd: r.cost_usd === null ? null : Number(r.cost_usd),
    costSource: r.cost_source,
    requests: r.runs,
    prompts: r.prompts,
    toolDecisions: { accepted: r.tool_accepted, rejected: r.tool_rejected },
    errors: r.errors,
    linesAdded: Number(r.lines_added),
    linesRemoved: Number(r.lines_removed),
    commits: r.commits,
    pullRequests: r.pull_requests,
  };
}

function toRun(r: RunRow): AgentRun {
  return {
    runKey: r.run_key,
    kind: r.kind,
    at: r.at.toISOString(),
    model: r.model,
    promptId: r.prompt_id,
    tokens: { input: Number(r.input_tokens), output: Number(r.output_tokens), cacheRead: Number(r.cache_read_tokens), cacheCreation: Number(r.cache_creation_tokens) },
    costUsd: r.cost_usd === null ? null : Number(r.cost_usd),
    costSource: r.cost_source,
    toolName: r.tool_name,
    outcome: r.outcome,
    error: r.error,
    durationMs: r.duration_ms,
  };
}
