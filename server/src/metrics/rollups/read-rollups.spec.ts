import { coverPeriod } from './read-rollups';

const d = (iso: string) => new Date(iso);
const parts = (from: string, to: string, interval: Parameters<typeof coverPeriod>[2]) => {
  const cover = coverPeriod(d(from), d(to), interval);
  const at = (t: Date, grain: string) => (grain === 'hour' ? t.toISOString().slice(0, 13) : t.toISOString().slice(0, 10));
  return {
    rollups: cover.rollups.map((p) => `${p.grain} ${at(p.start, p.grain)}..${at(p.end, p.grain)}`),
    edges: cover.edges.map((e) => `${e.start.toISOString()}..${e.end.toISOString()}`),
  };
};

describe('which rollup rows answer a period', () => {
  it('reads days for a day interval, hours for the partial days, and the partial hours at the ends from the domain tables', () => {
    expect(parts('2026-03-02T10:00:00Z', '2026-03-05T06:00:00Z', 'day')).toEqual({
      rollups: ['hour 2026-03-02T10..2026-03-03T00', 'day 2026-03-03..2026-03-05', 'hour 2026-03-05T00..2026-03-05T06'],
      edges: [],
    });
    expect(parts('2026-03-02T10:20:00Z', '2026-03-05T06:45:00Z', 'day')).toEqual({
      rollups: ['hour 2026-03-02T11..2026-03-03T00', 'day 2026-03-03..2026-03-05', 'hour 2026-03-05T00..2026-03-05T06'],
      edges: ['2026-03-02T10:20:00.000Z..2026-03-02T11:00:00.000Z', '2026-03-05T06:00:00.000Z..2026-03-05T06:45:00.000Z'],
    });
  });

  it('reads whole weeks (Monday to Monday) for a week interval, days at the sides', () => {
    // Wed 4 Mar → Mon 16 Mar … Thu 26 Mar.
    expect(parts('2026-03-04', '2026-03-26', 'week')).toEqual({ rollups: ['day 2026-03-04..2026-03-09', 'week 2026-03-09..2026-03-23', 'day 2026-03-23..2026-03-26'], edges: [] });
  });

  it('reads months, then weeks inside a month, then days for a month interval or the whole period', () => {
    expect(parts('2026-01-20', '2026-05-04', 'month')).toEqual({
      // No whole week fits between 20 Jan and 1 Feb (the week of 26 Jan ends in February): days.
      rollups: ['day 2026-01-20..2026-02-01', 'month 2026-02-01..2026-05-01', 'day 2026-05-01..2026-05-04'],
      edges: [],
    });
    expect(parts('2026-03-02', '2026-03-09', 'period')).toEqual({ rollups: ['week 2026-03-02..2026-03-09'], edges: [] });
    expect(parts('2026-03-30', '2026-05-13', 'month')).toEqual({ rollups: ['day 2026-03-30..2026-04-01', 'month 2026-04-01..2026-05-01', 'week 2026-05-04..2026-05-11', 'day 2026-05-01..2026-05-04', 'day 2026-05-11..2026-05-13'].sort((a, b) => a.slice(a.indexOf(' ')).localeCompare(b.slice(b.indexOf(' ')))), edges: [] });
  });

  it('answers a period inside one day from hour rows, and one inside an hour from the domain tables alone', () => {
    expect(parts('2026-03-02T08:00:00Z', '2026-03-02T20:00:00Z', 'week')).toEqual({ rollups: ['hour 2026-03-02T08..2026-03-02T20'], edges: [] });
    expect(parts('2026-03-02T08:10:00Z', '2026-03-02T08:50:00Z', 'week')).toEqual({ rollups: [], edges: ['2026-03-02T08:10:00.000Z..2026-03-02T08:50:00.000Z'] });
    // No whole hour between them: one range of items.
    expect(parts('2026-03-02T08:10:00Z', '2026-03-02T09:50:00Z', 'day')).toEqual({ rollups: [], edges: ['2026-03-02T08:10:00.000Z..2026-03-02T09:50:00.000Z'] });
  });
});
