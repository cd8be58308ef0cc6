import { Injectable } from '@nestjs/common';
import type { PullUsageRequest, UsagePullResult } from '@loopmeter/shared';
import { AppConfig } from '../../core/config/app-config';
import { UsageImportService } from './usage-import.service';
import type { UsageVendor } from './usage-reports';
import { UsageException } from './usage.exception';

/** At most this many days per pull (the vendors keep a year). */
export const MAX_PULL_DAYS = 400;
/** Pages of one day of the Claude Code Analytics API (1,000 records each). */
const MAX_PAGES_PER_DAY = 1_000;
/** Rate limits: wait what the vendor asks (Retry-After), up to this, at most twice per request. */
const MAX_RETRY_WAIT_SECONDS = 30;
const RETRIES = 2;

export const ANTHROPIC_VERSION = '2023-06-01';
export const GITHUB_API_VERSION = '2026-03-10';
/** The daily reports of an organization: its totals, its users, and its users' teams. */
export const COPILOT_DAILY_REPORTS = ['organization-1-day', 'users-1-day', 'user-teams-1-day'] as const;

export interface PullProgress {
  day: string;
  done: number;
  total: number;
}

interface PullTally {
  requests: number;
  stored: number;
  unchanged: number;
  records: number;
  storedDays: number;
}

/**
 * Pulls vendor usage reports day by day and stores each like an imported file (UsageImportService): one raw
 * event per Claude Code day (its pages one after the other) and per Copilot report and day (its files concatenated).
 * A day pulled again gives the same bytes (stored once) or newer ones (which replace that day's facts).
 */
@Injectable()
export class UsagePullService {
  constructor(private readonly config: AppConfig, private readonly importer: UsageImportService) {}

  async pull(orgId: string, request: PullUsageRequest, onProgress?: (p: PullProgress) => void): Promise<UsagePullResult> {
    const until = request.until ?? yesterday();
    const days = daysBetween(request.since, until);
    const tally: PullTally = { requests: 0, stored: 0, unchanged: 0, records: 0, storedDays: 0 };
    const vendor = request.vendor;
    this.requireSettings(vendor);
    for (const [i, day] of days.entries()) {
      if (vendor === 'claude-code') await this.pullClaudeCodeDay(orgId, day, tally);
      else await this.pullCopilotDay(orgId, day, tally);
      tally.storedDays++;
      onProgress?.({ day, done: i + 1, total: days.length });
    }
    return { vendor, since: request.since, until, days: days.length, requests: tally.requests, stored: tally.stored, unchanged: tally.unchanged, records: tally.records };
  }

  private requireSettings(vendor: UsageVendor): void {
    const { anthropic, github } = this.config.usageApis;
    if (vendor === 'claude-code' && !anthropic.adminKey) throw UsageException.notConfigured(vendor, ['LOOPMETER_ANTHROPIC_ADMIN_KEY']);
    if (vendor === 'copilot' && (!github.token || !github.org)) throw UsageException.notConfigured(vendor, ['LOOPMETER_COPILOT_METRICS_TOKEN', 'LOOPMETER_COPILOT_ORG']);
  }

  /** GET /v1/organizations/usage_report/claude_code?starting_at=DAY, following next_page while has_more. */
  private async pullClaudeCodeDay(orgId: string, day: string, tally: PullTally): Promise<void> {
    const { baseUrl, adminKey } = this.config.usageApis.anthropic;
    const pages: string[] = [];
    let page: string | undefined;
    do {
      const url = `${baseUrl}/v1/organizations/usage_report/claude_code?starting_at=${day}&limit=1000${page ? `&page=${encodeURIComponent(page)}` : ''}`;
      const text = await this.get('claude-code', url, { 'x-api-key': adminKey!, 'anthropic-version': ANTHROPIC_VERSION, accept: 'application/json' }, day, tally);
      const doc = parseJson(text);
      if (!isObject(doc) || !Array.isArray(doc.data)) throw UsageException.vendorError('claude-code', 200, 'the answer is not a usage report (no data list)', day, tally.storedDays);
      pages.push(text);
      page = doc.has_more === true && typeof doc.next_page === 'string' && doc.next_page ? doc.next_page : undefined;
      if (pages.length >= MAX_PAGES_PER_DAY && page) throw UsageException.vendorError('claude-code', 200, `more than ${MAX_PAGES_PER_DAY} pages`, day, tally.storedDays);
    } while (page);
    // The day's pages are stored together, as received one after the other, so the day is replaced as a whole.
    const body = pages.length === 1 ? pages[0] : pages.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join('');
    await this.keep(orgId, 'claude-code', Buffer.from(body, 'utf8'), { via: 'pull', day, report: 'usage_report/claude_code', pages: pages.length }, tally);
  }

  /** Each daily report: GET its download links, then each file (signed URLs: no credentials are sent there). */
  private async pullCopilotDay(orgId: string, day: string, tally: PullTally): Promise<void> {
    const { baseUrl, token, org } = this.config.usageApis.github;
    for (const report of COPILOT_DAILY_REPORTS) {
      const url = `${baseUrl}/orgs/${encodeURIComponent(org!)}/copilot/metrics/reports/${report}?day=${day}`;
      const headers = { authorization: `Bearer ${token!}`, accept: 'application/vnd.github+json', 'x-github-api-version': GITHUB_API_VERSION };
      const text = await this.get('copilot', url, headers, day, tally);
      if (text === '') continue; // 204: no report for that day
      const doc = parseJson(text);
      const links = isObject(doc) && Array.isArray(doc.download_links) ? doc.download_links.filter((l): l is string => typeof l === 'string') : null;
      if (!links) throw UsageException.vendorError('copilot', 200, `the ${report} answer has no download_links`, day, tally.storedDays);
      const files: string[] = [];
      for (const link of links) files.push(await this.get('copilot', link, {}, day, tally));
      const body = files.map((f) => (f.endsWith('\n') || f === '' ? f : `${f}\n`)).join('');
      if (body.trim() === '') continue;
      await this.keep(orgId, 'copilot', Buffer.from(body, 'utf8'), { via: 'pull', day, report, files: files.length }, tally);
    }
  }

  private async keep(orgId: string, vendor: UsageVendor, body: Buffer, meta: Record<string, unknown>, tally: PullTally): Promise<void> {
    const { report, stored } = await this.importer.store(orgId, vendor, body, meta, { requireRecords: false });
    if (report.records === 0) return;
    tally.records += report.records;
    if (stored) tally.stored++;
    else tally.unchanged++;
  }

  /** The body of a 2xx answer ('' for 204); a vendor error otherwise, after waiting out rate limits. */
  private async get(vendor: UsageVendor, url: string, headers: Record<string, string>, day: string, tally: PullTally): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        tally.requests++;
        response = await fetch(url, { headers: { 'user-agent': `Loopmeter/${this.config.version}`, ...headers }, redirect: 'follow' });
      } catch (e) {
        throw UsageException.vendorUnreachable(vendor, (e as Error).message, day);
      }
      const text = await response.text();
      if (response.ok) return response.status === 204 ? '' : text;
      const retryAfter = Number(response.headers.get('retry-after') ?? '1');
      const limited = response.status === 429 || response.status === 503 || response.status === 529;
      if (limited && attempt < RETRIES && Number.isFinite(retryAfter) && retryAfter <= MAX_RETRY_WAIT_SECONDS) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, retryAfter) * 1000));
        continue;
      }
      throw UsageException.vendorError(vendor, response.status, vendorMessage(text), day, tally.storedDays);
    }
  }
}

/** Anthropic: `{ type: 'error', error: { type, message } }`; GitHub: `{ message, documentation_url }`. */
function vendorMessage(text: string): string {
  const doc = parseJson(text);
  if (isObject(doc) && isObject(doc.error) && typeof doc.error.message === 'string') return doc.error.message;
  if (isObject(doc) && typeof doc.message === 'string') return doc.message;
  return text.slice(0, 300);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function yesterday(): string {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

/** Every day from `since` to `until`, both included. */
export function daysBetween(since: string, until: string): string[] {
  const start = Date.parse(`${since}T00:00:00Z`);
  const end = Date.parse(`${until}T00:00:00Z`);
  if (Number.isNaN(start) || Number.isNaN(end)) throw UsageException.invalidRange(`since and until must be days (YYYY-MM-DD)`);
  if (end < start) throw UsageException.invalidRange(`until (${until}) is before since (${since})`);
  const count = Math.round((end - start) / 86_400_000) + 1;
  if (count > MAX_PULL_DAYS) throw UsageException.invalidRange(`${count} days asked; pull at most ${MAX_PULL_DAYS} days at a time`);
  return Array.from({ length: count }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}
