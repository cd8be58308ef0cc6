import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Experiment, ExperimentDetail, ExperimentList, ExperimentListQuery, TimelineEntry } from '@loopmeter/shared';
import { AppException } from '../core/errors/app.exception';

interface ExperimentRow {
  id: string;
  work_item_source: string;
  work_item_key: string;
  title: string;
  url: string | null;
  team: string | null;
  insight_at: Date;
  work_started_at: Date | null;
  work_started_kind: string | null;
  pr_source: string | null;
  pr_repo: string | null;
  pr_number: number | null;
  pr_opened_at: Date | null;
  evidence_at: Date | null;
  evidence_kind: string | null;
  decision: 'promote' | 'reject' | 'refine' | null;
  decided_at: Date | null;
  total?: string;
}

const SORTS: Record<ExperimentListQuery['sort'], string> = {
  insight_at: 'e.insight_at ASC, e.id',
  '-insight_at': 'e.insight_at DESC, e.id',
  evidence_at: 'e.evidence_at ASC NULLS LAST, e.id',
  '-evidence_at': 'e.evidence_at DESC NULLS LAST, e.id',
  cycle: '(e.evidence_at - e.insight_at) ASC NULLS LAST, e.id',
  '-cycle': '(e.evidence_at - e.insight_at) DESC NULLS LAST, e.id',
};

const STAGE_SQL: Record<string, string> = {
  insight: 'e.work_started_at IS NULL AND e.pr_opened_at IS NULL AND e.evidence_at IS NULL AND e.decision IS NULL',
  started: 'e.work_started_at IS NOT NULL AND e.pr_opened_at IS NULL AND e.evidence_at IS NULL AND e.decision IS NULL',
  pr_opened: 'e.pr_opened_at IS NOT NULL AND e.evidence_at IS NULL AND e.decision IS NULL',
  evidence: 'e.evidence_at IS NOT NULL AND e.decision IS NULL',
  decided: 'e.decision IS NOT NULL',
};

const SELECT = `
  SELECT e.id, e.work_item_source, e.work_item_key, e.title, w.url, e.team, e.insight_at, e.work_started_at, e.work_started_kind,
         e.pr_source, e.pr_repo, e.pr_number, e.pr_opened_at, e.evidence_at, e.evidence_kind, e.decision, e.decided_at
  FROM experiments e
  LEFT JOIN work_items w ON w.org_id = e.org_id AND w.source = e.work_item_source AND w.key = e.work_item_key`;

@Injectable()
export class ExperimentsService {
  constructor(private readonly dataSource: DataSource) {}

  /** `teams`: the teams the caller may see (undefined: every team). */
  async list(query: ExperimentListQuery, orgId: string, teams?: readonly string[]): Promise<ExperimentList> {
    const params: unknown[] = [orgId];
    const add = (v: unknown) => `$${params.push(v)}`;
    const where = ['e.org_id = $1'];
    if (teams !== undefined) where.push(`e.team = ANY(${add(teams)}::text[])`);
    if (query.team !== undefined) where.push(`e.team = ${add(query.team)}`);
    if (query.stage !== undefined) where.push(STAGE_SQL[query.stage]);
    if (query.decision === 'open') where.push('e.decision IS NULL');
    else if (query.decision !== undefined) where.push(`e.decision = ${add(query.decision)}`);
    if (query.q !== undefined) where.push(`(e.title ILIKE ${add(`%${escapeLike(query.q)}%`)} OR e.work_item_key ILIKE ${add(`%${escapeLike(query.q)}%`)})`);
    if (query.from !== undefined) where.push(`e.insight_at >= ${add(new Date(query.from))}`);
    if (query.to !== undefined) where.push(`e.insight_at < ${add(new Date(query.to))}`);
    const rows: ExperimentRow[] = await this.dataSource.query(
      `SELECT *, count(*) OVER () AS total FROM (${SELECT} WHERE ${where.join(' AND ')}) e ORDER BY ${SORTS[query.sort]} LIMIT ${add(query.limit)} OFFSET ${add(query.offset)}`,
      params,
    );
    const total = rows.length > 0 ? Number(rows[0].total) : await this.count(where, params.slice(0, params.length - 2));
    return { items: rows.map(toExperiment), total, limit: query.limit, offset: query.offset };
  }

  /** `teams`: the teams the caller may see; an experiment of another team is not found. */
  async get(id: string, orgId: string, teams?: readonly string[]): Promise<ExperimentDetail> {
    const [row]: ExperimentRow[] = await this.dataSource.query(`${SELECT} WHERE e.org_id = $1 AND e.id = $2`, [orgId, id]);
    if (!row || (teams !== undefined && (row.team === null || !teams.includes(row.team)))) throw new AppException(HttpStatus.NOT_FOUND, 'experiment_not_found', `No experiment with id ${id}.`);
    return { ...toExperiment(row), timeline: await this.timeline(orgId, row) };
  }

  private async count(where: string[], params: unknown[]): Promise<number> {
    const [{ n }]: Array<{ n: string }> = await this.dataSource.query(`SELECT count(*) AS n FROM (${SELECT} WHERE ${where.join(' AND ')}) e`, params);
    return Number(n);
  }

  /**
   * Every event behind the experiment, oldest first: the insight and its status changes, then what is linked
   * (with where the key was found) or reached through a link (with how), and the signals sent through the API.
   */
  private async timeline(orgId: string, e: ExperimentRow): Promise<TimelineEntry[]> {
    const q = <T>(text: string, params: unknown[]) => this.dataSource.query(text, params) as Promise<T[]>;
    const key = [orgId, e.work_item_source, e.work_item_key];
    const entries: TimelineEntry[] = [];
    const push = (entry: Omit<TimelineEntry, 'atIsReceiptTime' | 'link'> & Partial<Pick<TimelineEntry, 'atIsReceiptTime' | 'link'>>) =>
      entries.push({ atIsReceiptTime: false, link: null, ...entry });

    const [item] = await q<{ created_at: Date; title: string; url: string | null; raw_event_id: string }>(
      `SELECT created_at, title, url, raw_event_id FROM work_items WHERE org_id = $1 AND source = $2 AND key = $3`,
      key,
    );
    if (item) push({ at: iso(item.created_at), kind: 'insight_created', source: e.work_item_source, title: `${e.work_item_key} ${item.title}`, url: item.url, rawEventId: item.raw_event_id });
    for (const t of await q<{ at: Date; from_status: string | null; to_status: string; raw_event_id: string }>(
      `SELECT at, from_status, to_status, raw_event_id FROM work_item_transitions WHERE org_id = $1 AND source = $2 AND key = $3 ORDER BY at`,
      key,
    )) {
      push({ at: iso(t.at), kind: 'status_changed', source: e.work_item_source, title: `${t.from_status ?? '…'} → ${t.to_status}`, url: null, rawEventId: t.raw_event_id });
    }

    const links = await q<{ target_type: string; target_key: string; found_in: string; match: string; confidence: number; closing: boolean }>(
      `SELECT target_type, target_key, found_in, match, confidence, closing FROM links WHERE org_id = $1 AND work_item_source = $2 AND work_item_key = $3
       ORDER BY target_type, target_key, confidence DESC, found_in`,
      key,
    );
    const direct = (type: string, targetKey: string) => {
      const l = links.find((x) => x.target_type === type && x.target_key === targetKey);
      return l ? { foundIn: l.found_in, match: l.match, confidence: Number(l.confidence), closing: l.closing, via: 'link' } : null;
    };
    const via = (how: string) => ({ foundIn: 'derived', match: '', confidence: 1, closing: false, via: how });

    const prs = await q<{ source: string; repo: string; number: number; title: string; url: string | null; head_ref: string; head_sha: string | null; opened_at: Date; merged_at: Date | null; closed_at: Date | null; state: string; raw_event_id: string; link_kind: string }>(
      `SELECT p.*, 'link' AS link_kind FROM pull_requests p JOIN links l ON l.org_id = p.org_id AND l.target_type = 'pull_request' AND l.target_key = p.source || ':' || p.repo || '#' || p.number
       WHERE l.org_id = $1 AND l.work_item_source = $2 AND l.work_item_key = $3
       UNION
       SELECT p.*, 'branch' FROM pull_requests p JOIN links l ON l.org_id = p.org_id AND l.target_type = 'branch' AND l.target_key = p.source || ':' || p.repo || ':' || p.head_ref
       WHERE l.org_id = $1 AND l.work_item_source = $2 AND l.work_item_key = $3`,
      key,
    );
    const seenPr = new Set<string>();
    for (const p of prs) {
      const prKey = `${p.source}:${p.repo}#${p.number}`;
      if (seenPr.has(prKey)) continue;
      seenPr.add(prKey);
      const link = direct('pull_request', prKey) ?? via(`its head branch ${p.head_ref} is linked`);
      push({ at: iso(p.opened_at), kind: 'pull_request_opened', source: p.source, title: `${p.repo}#${p.number} ${p.title}`, url: p.url, rawEventId: p.raw_event_id, link });
      if (p.merged_at) push({ at: iso(p.merged_at), kind: 'pull_request_merged', source: p.source, title: `${p.repo}#${p.number} merged`, url: p.url, rawEventId: p.raw_event_id, link: via(`${p.repo}#${p.number}`) });
      else if (p.state === 'closed' && p.closed_at) push({ at: iso(p.closed_at), kind: 'pull_request_closed', source: p.source, title: `${p.repo}#${p.number} closed unmerged`, url: p.url, rawEventId: p.raw_event_id, link: via(`${p.repo}#${p.number}`) });
      for (const r of await q<{ submitted_at: Date; state: string; reviewer_id: string | null; raw_event_id: string }>(
        `SELECT submitted_at, state, reviewer_id, raw_event_id FROM reviews WHERE org_id = $1 AND source = $2 AND repo = $3 AND pr_number = $4 ORDER BY submitted_at`,
        [orgId, p.source, p.repo, p.number],
      )) {
        push({ at: iso(r.submitted_at), kind: 'review', source: p.source, title: `${r.state} by ${r.reviewer_id ?? 'someone'}`, url: p.url, rawEventId: r.raw_event_id, link: via(`review of ${p.repo}#${p.number}`) });
      }
      if (p.head_sha) {
        for (const c of await q<{ name: string; run_kind: string; conclusion: string | null; status: string; completed_at: Date | null; started_at: Date | null; source_updated_at: Date; url: string | null; raw_event_id: string }>(
          `SELECT name, run_kind, conclusion, status, completed_at, started_at, source_updated_at, url, raw_event_id FROM ci_runs WHERE org_id = $1 AND source = $2 AND repo = $3 AND head_sha = $4`,
          [orgId, p.source, p.repo, p.head_sha],
        )) {
          push({ at: iso(c.completed_at ?? c.started_at ?? c.source_updated_at), kind: 'ci_run', source: p.source, title: `${c.name}: ${c.conclusion ?? c.status}`, url: c.url, rawEventId: c.raw_event_id, link: via(`CI on the head commit of ${p.repo}#${p.number}`) });
        }
      }
    }

    const branches = await q<{ source: string; repo: string; name: string; created_at: Date | null; first_seen_at: Date; created_at_is_receipt: boolean; head_sha: string | null; raw_event_id: string }>(
      `SELECT b.source, b.repo, b.name, b.created_at, b.first_seen_at, b.created_at_is_receipt, b.head_sha, b.raw_event_id FROM branches b
       WHERE b.org_id = $1 AND (b.source || ':' || b.repo || ':' || b.name IN (SELECT target_key FROM links WHERE org_id = $1 AND work_item_source = $2 AND work_item_key = $3 AND target_type = 'branch')
          OR (b.source, b.repo, b.name) IN (SELECT source, repo, head_ref FROM pull_requests p WHERE p.org_id = $1 AND p.source || ':' || p.repo || '#' || p.number = ANY($4::text[])))`,
      [...key, [...seenPr]],
    );
    for (const b of branches) {
      const branchKey = `${b.source}:${b.repo}:${b.name}`;
      push({
        at: iso(b.created_at ?? b.first_seen_at),
        kind: 'branch_created',
        source: b.source,
        title: `${b.repo} ${b.name}`,
        url: null,
        rawEventId: b.raw_event_id,
        atIsReceiptTime: b.created_at !== null && b.created_at_is_receipt,
        link: direct('branch', branchKey) ?? via('head branch of a linked pull request'),
      });
      for (const c of await q<{ sha: string; message: string; authored_at: Date; url: string | null; raw_event_id: string }>(
        `SELECT sha, message, authored_at, url, raw_event_id FROM commits WHERE org_id = $1 AND source = $2 AND repo = $3 AND branch = $4 ORDER BY authored_at`,
        [orgId, b.source, b.repo, b.name],
      )) {
        push({ at: iso(c.authored_at), kind: 'commit', source: b.source, title: `${c.sha.slice(0, 7)} ${c.message.split('\n')[0]}`, url: c.url, rawEventId: c.raw_event_id, link: direct('commit', `${b.source}:${b.repo}@${c.sha}`) ?? via(`pushed to ${b.name}`) });
      }
      for (const d of await q<{ environment: string; environment_kind: string; status: string; succeeded_at: Date | null; created_at: Date; url: string | null; raw_event_id: string; sha: string | null }>(
        `SELECT environment, environment_kind, status, succeeded_at, created_at, url, raw_event_id, sha FROM deployments WHERE org_id = $1 AND (sha = $2 OR (sha IS NULL AND ref = $3))`,
        [orgId, b.head_sha, b.name],
      )) {
        push({ at: iso(d.succeeded_at ?? d.created_at), kind: 'deployment', source: b.source, title: `${d.environment} (${d.environment_kind}): ${d.status}`, url: d.url, rawEventId: d.raw_event_id, link: via(`deployed ${d.sha ? d.sha.slice(0, 7) : b.name}`) });
      }
    }

    for (const s of await q<{ signal: string; kind: string | null; at: Date; url: string | null; raw_event_id: string; external_id: string }>(
      `SELECT signal, kind, at, url, raw_event_id, external_id FROM work_signals WHERE org_id = $1 AND work_item_key = $2 ORDER BY at`,
      [orgId, e.work_item_key],
    )) {
      push({ at: iso(s.at), kind: s.signal, source: 'events', title: `${s.signal.replace('_', ' ')}${s.kind ? `: ${s.kind}` : ''}`, url: s.url, rawEventId: s.raw_event_id, link: via(`event ${s.external_id} names ${e.work_item_key}`) });
    }
    return entries.sort((a, b) => a.at.localeCompare(b.at) || a.kind.localeCompare(b.kind));
  }
}

function iso(d: Date): string {
  return new Date(d).toISOString();
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function toExperiment(r: ExperimentRow): Experiment {
  const cycle = r.evidence_at ? (new Date(r.evidence_at).getTime() - new Date(r.insight_at).getTime()) / 3_600_000 : null;
  const stage = r.decision ? 'decided' : r.evidence_at ? 'evidence' : r.pr_opened_at ? 'pr_opened' : r.work_started_at ? 'started' : 'insight';
  return {
    id: r.id,
    workItem: { source: r.work_item_source, key: r.work_item_key, title: r.title, url: r.url },
    team: r.team,
    insightAt: iso(r.insight_at),
    workStartedAt: r.work_started_at ? iso(r.work_started_at) : null,
    workStartedKind: r.work_started_kind,
    pullRequest: r.pr_source && r.pr_repo && r.pr_number !== null && r.pr_opened_at ? { source: r.pr_source, repo: r.pr_repo, number: r.pr_number, openedAt: iso(r.pr_opened_at) } : null,
    evidenceAt: r.evidence_at ? iso(r.evidence_at) : null,
    evidenceKind: r.evidence_kind,
    decision: r.decision,
    decidedAt: r.decided_at ? iso(r.decided_at) : null,
    cycleHours: cycle === null ? null : Math.round(cycle * 10_000) / 10_000,
    stage,
  };
}
