/**
 * Vendor usage reports read into daily usage facts (agent_usage_daily), never into sessions: the reports are
 * per-day aggregates and say nothing of individual sessions. Pure functions over the bytes of a report, used by
 * the import (to check a file before storing it) and by the pipeline (to build the facts from the raw store).
 *
 * - GitHub Copilot usage metrics reports (https://docs.github.com/en/copilot/reference/copilot-usage-metrics): the
 *   NDJSON files behind `GET /orgs/{org}/copilot/metrics/reports/{organization-1-day,users-1-day,user-teams-1-day}`.
 *   Per-user rows (`user_login`, `day`) become `user` facts, organization rows (`day`, or each entry of
 *   `day_totals`) `organization` facts, user-teams rows (`team_id`, `slug`) team memberships.
 * - Claude Code Analytics API (https://docs.anthropic.com/en/api/claude-code-analytics-api): the response of
 *   `GET /v1/organizations/usage_report/claude_code` (`data`, `has_more`, `next_page`), one page per line when a
 *   day came in several pages, or its records alone. Each record (one actor, one day) becomes `user` facts.
 *
 * A metric is the documented field's path (`loc_added_sum`, `totals_by_cli.session_count`,
 * `core_metrics.lines_of_code.added`). Booleans (`used_chat`) count 1 or 0. Breakdown arrays (per IDE, feature,
 * language, model) are not turned into facts, except Claude Code's per-model tokens and estimated cost.
 */

export const USAGE_VENDORS = ['copilot', 'claude-code'] as const;
export type UsageVendor = (typeof USAGE_VENDORS)[number];

export interface UsageRow {
  day: string;
  scope: 'organization' | 'user';
  scopeKey: string;
  metrics: Record<string, number>;
}

export interface UsageTeamMember {
  day: string;
  teamKey: string;
  userKey: string;
}

export interface UsageReport {
  rows: UsageRow[];
  members: UsageTeamMember[];
  /** Records read (report lines or API records), duplicates included. */
  records: number;
  /** Every day the report holds, in order. */
  days: string[];
}

/** The report cannot be read: nothing of it is used. */
export class UsageReportError extends Error {}

type Plain = Record<string, unknown>;

const isObject = (value: unknown): value is Plain => typeof value === 'object' && value !== null && !Array.isArray(value);

export function parseUsageReport(vendor: UsageVendor, body: Buffer): UsageReport {
  const documents = readDocuments(body.toString('utf8'));
  return vendor === 'copilot' ? readCopilot(documents) : readClaudeCode(documents);
}

/**
 * The JSON values of a report, one after the other: one document (an object, or an array of records), NDJSON
 * (one per line), or several documents concatenated (the pages of a day, pretty-printed or not).
 */
function readDocuments(text: string): unknown[] {
  const documents: unknown[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  let line = 1;
  let startLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (depth === 0 && start === -1) {
      if (/\s/.test(c)) continue;
      if (c !== '{' && c !== '[') throw new UsageReportError(`line ${line}: expected a JSON object or array, found ${JSON.stringify(text.slice(i, i + 20))}`);
      start = i;
      startLine = line;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) {
        documents.push(parseDocument(text.slice(start, i + 1), startLine));
        start = -1;
      }
    }
  }
  if (start !== -1) throw new UsageReportError(`line ${startLine}: a JSON value is not closed (a truncated file?)`);
  // One array is a list of records; several values are the records (NDJSON) or documents (pages) themselves.
  return documents.length === 1 && Array.isArray(documents[0]) ? documents[0] : documents;
}

function parseDocument(text: string, line: number): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageReportError(`line ${line} is not JSON (${(e as Error).message})`);
  }
}

class ReportBuilder {
  private readonly rows = new Map<string, UsageRow>();
  private readonly members = new Map<string, UsageTeamMember>();
  private readonly seen = new Set<string>();
  records = 0;

  /** False for a record seen before in this report (a file concatenated twice counts once). */
  firstSighting(record: unknown): boolean {
    this.records++;
    const key = JSON.stringify(record);
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }

  /** Distinct records of the same day and scope key add up (a user active in two imported organizations). */
  add(day: string, scope: UsageRow['scope'], scopeKey: string, metrics: Record<string, number>): void {
    const key = `${day}\u0000${scope}\u0000${scopeKey}`;
    const row = this.rows.get(key) ?? { day, scope, scopeKey, metrics: {} };
    for (const [metric, value] of Object.entries(metrics)) row.metrics[metric] = (row.metrics[metric] ?? 0) + value;
    this.rows.set(key, row);
  }

  member(day: string, teamKey: string, userKey: string): void {
    this.members.set(`${day}\u0000${teamKey}\u0000${userKey}`, { day, teamKey, userKey });
  }

  build(): UsageReport {
    const byKey = <T>(entries: Map<string, T>) => [...entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
    const rows = byKey(this.rows).map((row) => ({
      ...row,
      metrics: Object.fromEntries(
        Object.entries(row.metrics)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          // Sums of decimals (costs in dollars) without float noise.
          .map(([metric, value]) => [metric, Number(value.toFixed(9))]),
      ),
    }));
    const members = byKey(this.members);
    const days = [...new Set([...rows.map((r) => r.day), ...members.map((m) => m.day)])].sort();
    return { rows, members, records: this.records, days };
  }
}

function dayOf(value: unknown, where: string): string {
  const text = typeof value === 'string' ? value.slice(0, 10) : '';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`)) || new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) !== text) {
    throw new UsageReportError(`${where}: ${JSON.stringify(value)} is not a day (YYYY-MM-DD)`);
  }
  return text;
}

function keyOf(value: unknown): string | null {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** Numbers and booleans of a record, by their dotted path; objects are walked, arrays and text are not facts. */
function numericLeaves(value: Plain, skip: (key: string) => boolean, prefix = '', out: Record<string, number> = {}): Record<string, number> {
  for (const [key, child] of Object.entries(value)) {
    if (skip(key)) continue;
    const path = `${prefix}${key}`;
    if (typeof child === 'number' && Number.isFinite(child)) out[path] = child;
    else if (typeof child === 'boolean') out[path] = child ? 1 : 0;
    else if (isObject(child)) numericLeaves(child, skip, `${path}.`, out);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// GitHub Copilot usage metrics reports

/** Identifiers and report bookkeeping: not usage. */
const COPILOT_NOT_METRICS = new Set([
  'day',
  'user_id',
  'user_login',
  'enterprise_id',
  'organization_id',
  'team_id',
  'slug',
  'report_start_day',
  'report_end_day',
  'day_totals',
  'etl_id',
  'day_partition',
  'entity_id_partition',
]);
const notCopilotMetric = (key: string) => COPILOT_NOT_METRICS.has(key) || key.startsWith('last_known_');

function readCopilot(documents: unknown[]): UsageReport {
  const report = new ReportBuilder();
  for (const [i, record] of documents.entries()) {
    const where = `record ${i + 1}`;
    if (!isObject(record)) throw new UsageReportError(`${where} is not an object`);
    if ('download_links' in record) {
      throw new UsageReportError(
        `${where} is the REST API's answer (download_links), not a report: download the files it lists and import those, or use \`usage pull --vendor copilot\``,
      );
    }
    if (!report.firstSighting(record)) continue;
    const userKey = keyOf(record.user_login) ?? (keyOf(record.user_id) === null ? null : `user:${keyOf(record.user_id)}`);
    if (record.team_id !== undefined) {
      // user-teams: one row per (user, team) of the day
      const teamKey = keyOf(record.slug) ?? keyOf(record.team_id);
      if (!userKey || !teamKey) throw new UsageReportError(`${where}: a user-teams row needs user_login and slug (or team_id)`);
      report.member(dayOf(record.day, where), teamKey, userKey);
    } else if (Array.isArray(record.day_totals)) {
      // an organization (or enterprise) report: one entry per day
      for (const [j, entry] of record.day_totals.entries()) {
        if (!isObject(entry)) throw new UsageReportError(`${where}.day_totals[${j}] is not an object`);
        report.add(dayOf(entry.day, `${where}.day_totals[${j}]`), 'organization', entityKey(entry, record), numericLeaves(entry, notCopilotMetric));
      }
    } else if (userKey) {
      if (record.day === undefined) {
        throw new UsageReportError(`${where}: a per-user row without a day (a 28-day report): import the daily users-1-day reports, whose rows are daily facts`);
      }
      report.add(dayOf(record.day, where), 'user', userKey, numericLeaves(record, notCopilotMetric));
    } else if (record.day !== undefined) {
      report.add(dayOf(record.day, where), 'organization', entityKey(record, record), numericLeaves(record, notCopilotMetric));
    } else {
      throw new UsageReportError(`${where} is not a Copilot usage metrics row (no day, user_login, day_totals or team_id)`);
    }
  }
  return report.build();
}

/** The organization's id, else the enterprise's (`enterprise:<id>`). */
function entityKey(entry: Plain, record: Plain): string {
  const org = keyOf(entry.organization_id) ?? keyOf(record.organization_id);
  if (org) return org;
  const enterprise = keyOf(entry.enterprise_id) ?? keyOf(record.enterprise_id);
  return enterprise ? `enterprise:${enterprise}` : 'organization';
}

// ---------------------------------------------------------------------------------------------------------
// Claude Code Analytics API

function readClaudeCode(documents: unknown[]): UsageReport {
  const report = new ReportBuilder();
  const records: Array<{ record: unknown; where: string }> = [];
  for (const [i, doc] of documents.entries()) {
    if (isObject(doc) && doc.type === 'error') {
      const error = isObject(doc.error) ? doc.error : {};
      throw new UsageReportError(`document ${i + 1} is an API error (${String(error.type ?? 'error')}: ${String(error.message ?? '')})`);
    }
    if (isObject(doc) && Array.isArray(doc.data)) for (const [j, record] of doc.data.entries()) records.push({ record, where: `document ${i + 1}, data[${j}]` });
    else records.push({ record: doc, where: `record ${i + 1}` });
  }
  for (const { record, where } of records) {
    if (!isObject(record) || !isObject(record.actor)) throw new UsageReportError(`${where} is not a Claude Code usage record (no actor)`);
    if (!report.firstSighting(record)) continue;
    const day = dayOf(record.date, where);
    report.add(day, 'user', actorKey(record.actor, where), claudeMetrics(record, where));
  }
  return report.build();
}

/** user_actor: the email (lower-cased); api_actor: `api_key:<name>`. */
function actorKey(actor: Plain, where: string): string {
  if (actor.type === 'user_actor' && keyOf(actor.email_address)) return keyOf(actor.email_address)!.toLowerCase();
  if (actor.type === 'api_actor' && keyOf(actor.api_key_name)) return `api_key:${keyOf(actor.api_key_name)!}`;
  throw new UsageReportError(`${where}: actor is neither a user_actor with email_address nor an api_actor with api_key_name`);
}

function claudeMetrics(record: Plain, where: string): Record<string, number> {
  const metrics: Record<string, number> = {};
  const add = (metric: string, value: number) => (metrics[metric] = (metrics[metric] ?? 0) + value);
  if (isObject(record.core_metrics)) for (const [k, v] of Object.entries(numericLeaves(record.core_metrics, () => false, 'core_metrics.'))) add(k, v);
  if (isObject(record.tool_actions)) for (const [k, v] of Object.entries(numericLeaves(record.tool_actions, () => false, 'tool_actions.'))) add(k, v);
  const models = Array.isArray(record.model_breakdown) ? record.model_breakdown : [];
  for (const [j, entry] of models.entries()) {
    if (!isObject(entry) || !keyOf(entry.model)) throw new UsageReportError(`${where}.model_breakdown[${j}] has no model`);
    const model = keyOf(entry.model)!;
    if (isObject(entry.tokens)) {
      for (const [type, count] of Object.entries(entry.tokens)) {
        if (typeof count !== 'number' || !Number.isFinite(count)) continue;
        add(`model_breakdown.tokens.${type}`, count);
        add(`model_breakdown[${model}].tokens.${type}`, count);
      }
    }
    const cost = isObject(entry.estimated_cost) ? entry.estimated_cost : null;
    if (cost && typeof cost.amount === 'number' && Number.isFinite(cost.amount)) {
      // The amount is in minor units (cents for USD).
      const currency = typeof cost.currency === 'string' ? cost.currency.toUpperCase() : 'USD';
      const name = currency === 'USD' ? 'estimated_cost_usd' : `estimated_cost_${currency.toLowerCase()}`;
      add(`model_breakdown.${name}`, cost.amount / 100);
      add(`model_breakdown[${model}].${name}`, cost.amount / 100);
    }
  }
  return metrics;
}
