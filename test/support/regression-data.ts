import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { TestApp } from './test-app';

const ORG = '00000000-0000-0000-0000-000000000001';
const DAY = 86_400_000;
const HOUR = 3_600_000;

/**
 * Domain rows for regression detection, written straight into the tables the pipeline fills (as the metric
 * tests do). Times are relative to now, well inside the windows a run at now uses: the baseline 69 → 15
 * days ago, the recent window 13 → 1 days ago.
 */
export class RegressionData {
  private number = 0;
  private raw = 1_000_000;

  constructor(private readonly t: TestApp, private readonly now = Date.now()) {}

  private sql(text: string, params: unknown[]): Promise<unknown> {
    return this.t.app.get(DataSource).query(text, params);
  }

  /** A team and its members (people with a GitHub login each). */
  async team(key: string, logins: string[]): Promise<void> {
    await this.sql(`INSERT INTO teams (org_id, key, name) VALUES ($1, $2, $2)`, [ORG, key]);
    for (const login of logins) {
      const person = randomUUID();
      await this.sql(`INSERT INTO people (org_id, id, display_name, email, origin) VALUES ($1, $2, $3, $4, 'import')`, [ORG, person, login, `${login}@acme.test`]);
      await this.sql(`INSERT INTO identity_people (org_id, source, external_id, person_id, reason) VALUES ($1, 'github', $2, $3, 'login')`, [ORG, login, person]);
      await this.sql(`INSERT INTO team_members (org_id, team_key, person_id) VALUES ($1, $2, $3)`, [ORG, key, person]);
    }
  }

  /**
   * `count` PRs closed evenly over a window, the first `merged` of them merged; each took 4 to 13 hours from
   * opening to close (the same spread in both windows). With `agent`, a PR footer attributes it to that agent.
   */
  async prs(window: 'baseline' | 'recent', opts: { count: number; merged: number; author: string; repo: string; agent?: string }): Promise<number[]> {
    const numbers: number[] = [];
    const [from, span] = window === 'baseline' ? [this.now - 69 * DAY, 54 * DAY] : [this.now - 13 * DAY, 12 * DAY];
    for (let i = 0; i < opts.count; i++) {
      const number = ++this.number;
      const closed = new Date(from + ((i + 0.5) / opts.count) * span);
      const opened = new Date(closed.getTime() - (4 + (i % 10)) * HOUR);
      const merged = i < opts.merged;
      await this.sql(
        `INSERT INTO pull_requests (org_id, source, repo, number, title, body, author_id, author_login, author_is_bot, state, draft, head_ref, base_ref,
                                    opened_at, merged_at, closed_at, source_updated_at, raw_event_id)
         VALUES ($1, 'github', $2, $3, $4, '', $5, $6, false, $7, false, $8, 'main', $9, $10, $11, $11, $12)`,
        [ORG, opts.repo, number, `PR ${number}`, `github:${opts.author}`, opts.author, merged ? 'merged' : 'closed', `branch-${number}`, opened, merged ? closed : null, closed, ++this.raw],
      );
      if (opts.agent) {
        await this.sql(
          `INSERT INTO agent_attributions (org_id, target_type, target_key, agent, reason, strength, match, raw_event_id)
           VALUES ($1, 'pull_request', $2, $3, 'pr_footer', 0.6, $4, $5)`,
          [ORG, `github:${opts.repo}#${number}`, opts.agent, `https://chatgpt.com/codex/tasks/task_${number}`, this.raw],
        );
      }
      numbers.push(number);
    }
    return numbers;
  }

  /**
   * The planted drop: team payments (emma, li) goes from 42/60 PRs merged (70%) to 27/60 (45%) because its Codex
   * PRs (emma's, in acme/pay) go from 21/30 to 6/30; its people's own PRs stay at 70%. Team growth (sam) stays
   * at 70% over 60 → 60 PRs. Returns the numbers of the recent Codex PRs that were not merged.
   */
  async plantMergeRateDrop(): Promise<{ recentUnmergedCodex: number[] }> {
    await this.team('payments', ['emma', 'li']);
    await this.team('growth', ['sam']);
    await this.prs('baseline', { count: 30, merged: 21, author: 'emma', repo: 'acme/pay', agent: 'codex' });
    const recentCodex = await this.prs('recent', { count: 30, merged: 6, author: 'emma', repo: 'acme/pay', agent: 'codex' });
    await this.prs('baseline', { count: 10, merged: 7, author: 'li', repo: 'acme/pay' });
    await this.prs('recent', { count: 10, merged: 7, author: 'li', repo: 'acme/pay' });
    await this.prs('baseline', { count: 20, merged: 14, author: 'emma', repo: 'acme/web' });
    await this.prs('recent', { count: 20, merged: 14, author: 'emma', repo: 'acme/web' });
    await this.prs('baseline', { count: 60, merged: 42, author: 'sam', repo: 'acme/growth' });
    await this.prs('recent', { count: 60, merged: 42, author: 'sam', repo: 'acme/growth' });
    return { recentUnmergedCodex: recentCodex.slice(6) };
  }

  /** Merge these PRs at their close: the drop goes away. */
  async merge(numbers: number[]): Promise<void> {
    await this.sql(`UPDATE pull_requests SET state = 'merged', merged_at = closed_at WHERE org_id = $1 AND number = ANY($2::int[])`, [ORG, numbers]);
  }

  /** Close these PRs unmerged again. */
  async unmerge(numbers: number[]): Promise<void> {
    await this.sql(`UPDATE pull_requests SET state = 'closed', merged_at = NULL WHERE org_id = $1 AND number = ANY($2::int[])`, [ORG, numbers]);
  }
}
