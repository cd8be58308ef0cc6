import type { MetricInterval } from '@loopmeter/shared/metrics';

/**
 * The dashboard filters, as they live in the URL: `period` (a preset, or `custom` with `from` and `to`
 * as inclusive UTC dates), `team`, `agent`, `model`. Reading them never fails: anything unreadable falls
 * back to the default, so a mangled shared link still opens a page.
 */

export const FILTER_PARAMS = ['period', 'from', 'to', 'team', 'agent', 'model'] as const;
export type FilterParam = (typeof FILTER_PARAMS)[number];

export const PERIOD_PRESETS = [
  { id: '4w', label: 'Last 4 weeks' },
  { id: '12w', label: 'Last 12 weeks' },
  { id: '26w', label: 'Last 26 weeks' },
  { id: '12m', label: 'Last 12 months' },
] as const;
export type PeriodPreset = (typeof PERIOD_PRESETS)[number]['id'];
export const DEFAULT_PERIOD: PeriodPreset = '12w';

export interface DashboardFilters {
  period: PeriodPreset | 'custom';
  /** Start of the period, ISO date-time (inclusive), as sent to the API. */
  from: string;
  /** End of the period, ISO date-time (exclusive), as sent to the API. */
  to: string;
  interval: MetricInterval;
  team?: string;
  agent?: string;
  model?: string;
}

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function utcMidnight(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

/** Monday 00:00 UTC of the week holding `date` (the API's weeks start on Monday). */
export function weekStart(date: Date): Date {
  const day = utcMidnight(date);
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - sinceMonday * DAY_MS);
}

/**
 * A preset covers whole buckets ending with the current one, so the previous period (compare=previous)
 * lines up bucket for bucket, and the URL stays the same all week (stable query keys and cache).
 */
export function presetRange(preset: PeriodPreset, now: Date): { from: Date; to: Date; interval: MetricInterval } {
  if (preset === '12m') {
    const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    return { from: new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth() - 12, 1)), to, interval: 'month' };
  }
  const weeks = Number(preset.slice(0, -1));
  const to = new Date(weekStart(now).getTime() + 7 * DAY_MS);
  return { from: new Date(to.getTime() - weeks * 7 * DAY_MS), to, interval: 'week' };
}

/** Buckets small enough to see a trend, few enough to read: days up to a month, weeks up to ~7 months. */
export function intervalFor(from: Date, to: Date): MetricInterval {
  const days = (to.getTime() - from.getTime()) / DAY_MS;
  if (days <= 31) return 'day';
  if (days <= 215) return 'week';
  return 'month';
}

function parseDate(value: string | null): Date | undefined {
  if (!value || !DATE.test(value)) return undefined;
  const date = new Date(`${value}T00:00:00.000Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function text(value: string | null): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed.slice(0, 200) : undefined;
}

export function readFilters(search: URLSearchParams, now: Date = new Date()): DashboardFilters {
  const scope = { team: text(search.get('team')), agent: text(search.get('agent')), model: text(search.get('model')) };
  const period = search.get('period');
  if (period === 'custom') {
    const from = parseDate(search.get('from'));
    const toInclusive = parseDate(search.get('to'));
    if (from && toInclusive && from <= toInclusive) {
      const to = new Date(toInclusive.getTime() + DAY_MS);
      return { period: 'custom', from: from.toISOString(), to: to.toISOString(), interval: intervalFor(from, to), ...scope };
    }
  }
  const preset = PERIOD_PRESETS.find((p) => p.id === period)?.id ?? DEFAULT_PERIOD;
  const range = presetRange(preset, now);
  return { period: preset, from: range.from.toISOString(), to: range.to.toISOString(), interval: range.interval, ...scope };
}

/** The date part (YYYY-MM-DD) of the period's last day, for the custom period's "to" input. */
export function inclusiveEndDate(filters: Pick<DashboardFilters, 'to'>): string {
  return new Date(new Date(filters.to).getTime() - DAY_MS).toISOString().slice(0, 10);
}

/** The filter params of a URL, to carry them over when following a link to another page. */
export function filterSearch(search: URLSearchParams): string {
  const kept = new URLSearchParams();
  for (const key of FILTER_PARAMS) {
    const value = search.get(key);
    if (value) kept.set(key, value);
  }
  const text = kept.toString();
  return text ? `?${text}` : '';
}

export function describePeriod(filters: DashboardFilters): string {
  if (filters.period !== 'custom') return PERIOD_PRESETS.find((p) => p.id === filters.period)?.label ?? '';
  const from = filters.from.slice(0, 10);
  return `${from} to ${inclusiveEndDate(filters)}`;
}
