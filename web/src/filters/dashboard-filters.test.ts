import { describe, expect, it } from 'vitest';
import { filterSearch, readFilters, weekStart } from './dashboard-filters';

// Wednesday 4 March 2026, 15:00 UTC.
const NOW = new Date('2026-03-04T15:00:00Z');

describe('filters in the URL', () => {
  it('weeks start on Monday (UTC), like the API', () => {
    expect(weekStart(NOW).toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(weekStart(new Date('2026-03-08T23:59:00Z')).toISOString()).toBe('2026-03-02T00:00:00.000Z');
  });

  it('default: the 12 whole weeks ending with this one', () => {
    expect(readFilters(new URLSearchParams(), NOW)).toEqual({
      period: '12w',
      from: '2025-12-15T00:00:00.000Z',
      to: '2026-03-09T00:00:00.000Z',
      interval: 'week',
      team: undefined,
      agent: undefined,
      model: undefined,
    });
  });

  it('the last 12 months in months', () => {
    expect(readFilters(new URLSearchParams('period=12m'), NOW)).toMatchObject({ from: '2025-04-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z', interval: 'month' });
  });

  it('a custom period: `to` is inclusive in the URL, exclusive for the API; the bucket follows the length', () => {
    expect(readFilters(new URLSearchParams('period=custom&from=2026-01-05&to=2026-03-01&team=payments'), NOW)).toMatchObject({
      period: 'custom',
      from: '2026-01-05T00:00:00.000Z',
      to: '2026-03-02T00:00:00.000Z',
      interval: 'week',
      team: 'payments',
    });
    expect(readFilters(new URLSearchParams('period=custom&from=2026-03-01&to=2026-03-07'), NOW).interval).toBe('day');
  });

  it('anything unreadable falls back to the default, so a mangled link still opens', () => {
    expect(readFilters(new URLSearchParams('period=custom&from=2026-13-45&to=yesterday'), NOW).period).toBe('12w');
    expect(readFilters(new URLSearchParams('period=custom&from=2026-03-07&to=2026-03-01'), NOW).period).toBe('12w');
    expect(readFilters(new URLSearchParams('period=forever&team=%20%20'), NOW)).toMatchObject({ period: '12w', team: undefined });
  });

  it('links to other pages carry the filters, not the page state', () => {
    expect(filterSearch(new URLSearchParams('period=4w&team=growth&q=csv&page=2'))).toBe('?period=4w&team=growth');
  });
});
