import { describe, expect, it } from 'vitest';
import { axisTickFormatter, formatBucket, formatChange, formatHours, formatPercent, formatUsd, notEnoughData, valueKind } from './format';

describe('numbers for people', () => {
  it('durations: minutes under an hour, hours under two days, then days', () => {
    expect([0.25, 4.5, 17, 40.8, 47.9, 79.2, 240, 1000].map(formatHours)).toEqual(['15 min', '4.5 h', '17 h', '41 h', '48 h', '3.3 d', '10 d', '42 d']);
    expect(formatHours(null)).toBe('—');
  });

  it('ratios as percentages, money in dollars', () => {
    expect([0.25, 0.045, 1, 0].map(formatPercent)).toEqual(['25%', '4.5%', '100%', '0%']);
    expect([0.42, 12.5, 1234.4].map(formatUsd)).toEqual(['$0.42', '$12.50', '$1,234']);
  });

  it('changes: relative for durations and counts, percentage points for ratios; nothing to compare with is said so', () => {
    expect(formatChange(24, 34, 'duration')).toEqual({ text: '−29%', direction: 'down' });
    expect(formatChange(5, 4, 'count')).toEqual({ text: '+25%', direction: 'up' });
    expect(formatChange(0.25, 0.2, 'ratio')).toEqual({ text: '+5 pp', direction: 'up' });
    expect(formatChange(3, 0, 'count')).toBeUndefined();
    expect(formatChange(3, null, 'count')).toBeUndefined();
  });

  it('the kind of a value from its key', () => {
    expect(['p50', 'waitP50', 'leadTimeP50', 'changeFailureRate', 'promotedShare', 'firstPassCiGreen', 'sessionToPr', 'costUsd', 'costPerEvidence', 'merged'].map((k) => valueKind(k))).toEqual([
      'duration', 'duration', 'duration', 'ratio', 'ratio', 'ratio', 'ratio', 'usd', 'usd', 'count',
    ]);
  });

  it('axis ticks in one unit per axis', () => {
    expect([0, 20, 40].map(axisTickFormatter('duration', 60))).toEqual(['0', '20 h', '40 h']);
    expect([0, 48, 96].map(axisTickFormatter('duration', 100))).toEqual(['0', '2 d', '4 d']);
  });

  it('buckets and withheld values', () => {
    expect(formatBucket('2026-03-02T00:00:00.000Z', 'week')).toBe('Mar 2');
    expect(formatBucket('2026-03-01T00:00:00.000Z', 'month')).toBe('Mar 2026');
    expect(notEnoughData(2)).toBe('not enough data (n=2)');
  });
});
