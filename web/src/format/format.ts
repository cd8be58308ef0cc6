/**
 * Numbers for people: durations in minutes, hours or days; ratios as percentages; money in dollars.
 * Pure functions with no browser API, so the browser tests format the API's values exactly as the page does.
 */

export type ValueKind = 'duration' | 'ratio' | 'count' | 'usd';

const EMPTY = '—';
const counts = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** Hours → "45 min", "4.5 h", "17 h", "3.2 d", "12 d". */
export function formatHours(hours: number | null | undefined): string {
  if (hours === null || hours === undefined || !Number.isFinite(hours)) return EMPTY;
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  if (hours < 10) return `${trim(hours.toFixed(1))} h`;
  if (hours < 48) return `${Math.round(hours)} h`;
  const days = hours / 24;
  return days < 10 ? `${trim(days.toFixed(1))} d` : `${Math.round(days)} d`;
}

/** 0.25 → "25%", 0.045 → "4.5%". */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return EMPTY;
  const percent = ratio * 100;
  return `${Math.abs(percent) < 10 && percent !== 0 ? trim(percent.toFixed(1)) : Math.round(percent)}%`;
}

/** "$0.42", "$12.50", "$1,234". */
export function formatUsd(amount: number | null | undefined): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return EMPTY;
  const digits = Math.abs(amount) >= 1000 ? 0 : 2;
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(amount);
}

export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return EMPTY;
  return counts.format(value);
}

export function formatValue(value: number | null | undefined, kind: ValueKind): string {
  switch (kind) {
    case 'duration':
      return formatHours(value);
    case 'ratio':
      return formatPercent(value);
    case 'usd':
      return formatUsd(value);
    case 'count':
      return formatCount(value);
  }
}

/**
 * What a metric value is, from its key: the API names them consistently (`p50`, `waitP50`, `leadTimeP50`,
 * `changeFailureRate`, `promotedShare`, `costUsd`...). The unit of the metric decides the rest.
 */
export function valueKind(key: string, unit?: string): ValueKind {
  if (/(Rate|Share|Ratio|Green)$|^(rate|share|ratio|sessionToPr)$/.test(key)) return 'ratio';
  if (/(^p\d+$)|P\d+$|Hours?$|^hours$/.test(key)) return 'duration';
  if (/[Cc]ost|Usd$|^usd$/.test(key)) return 'usd';
  if (unit === 'usd') return 'usd';
  if (unit === 'ratio') return 'ratio';
  return 'count';
}

/**
 * The change from the previous period: relative for durations, counts and money ("+12%"), in percentage
 * points for ratios ("+5 pp"). Undefined when there is nothing to compare with.
 */
export function formatChange(current: number | null | undefined, previous: number | null | undefined, kind: ValueKind): { text: string; direction: 'up' | 'down' | 'flat' } | undefined {
  if (current === null || current === undefined || previous === null || previous === undefined) return undefined;
  if (kind === 'ratio') {
    const points = (current - previous) * 100;
    const rounded = Math.round(points * 10) / 10;
    return { text: `${sign(rounded)}${trim(Math.abs(rounded).toFixed(1))} pp`, direction: direction(rounded) };
  }
  if (previous === 0) return current === 0 ? { text: '0%', direction: 'flat' } : undefined;
  const percent = Math.round(((current - previous) / Math.abs(previous)) * 100);
  return { text: `${sign(percent)}${Math.abs(percent)}%`, direction: direction(percent) };
}

function sign(value: number): string {
  return value > 0 ? '+' : value < 0 ? '−' : '';
}

function direction(value: number): 'up' | 'down' | 'flat' {
  return value > 0 ? 'up' : value < 0 ? 'down' : 'flat';
}

function trim(fixed: string): string {
  return fixed.replace(/\.0$/, '');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A bucket start as an axis label: "Mar 2" for days and weeks, "Mar 2026" for months (UTC). */
export function formatBucket(iso: string, interval: 'day' | 'week' | 'month'): string {
  const date = new Date(iso);
  const month = MONTHS[date.getUTCMonth()];
  return interval === 'month' ? `${month} ${date.getUTCFullYear()}` : `${month} ${date.getUTCDate()}`;
}

/** "Mar 2, 2026" (UTC). */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  return `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}, ${date.getUTCFullYear()}`;
}

/** "Mar 2, 2026 14:20 UTC". */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  const hh = String(date.getUTCHours()).padStart(2, '0');
  const mm = String(date.getUTCMinutes()).padStart(2, '0');
  return `${formatDate(iso)} ${hh}:${mm} UTC`;
}

/** Hours between two ISO times, or null when one is missing. */
export function hoursBetween(from: string | null, to: string | null): number | null {
  if (!from || !to) return null;
  return Math.max(0, (Date.parse(to) - Date.parse(from)) / 3_600_000);
}

/** "not enough data (n=2)": a withheld value is never shown as a number. */
export function notEnoughData(n: number): string {
  return `not enough data (n=${formatCount(n)})`;
}

/**
 * Axis ticks in one unit for the whole axis (hours, or days when the largest value is three days or more),
 * so a reader compares ticks at a glance; "0" at the origin.
 */
export function axisTickFormatter(kind: ValueKind, max: number): (value: number) => string {
  if (kind === 'duration') {
    const inDays = max >= 72;
    return (value) => (value === 0 ? '0' : inDays ? `${trim((value / 24).toFixed(value / 24 < 10 ? 1 : 0))} d` : `${trim(value.toFixed(value < 10 ? 1 : 0))} h`);
  }
  if (kind === 'usd') return (value) => (value === 0 ? '$0' : formatUsd(value));
  return (value) => formatValue(value, kind);
}
