import type { RegressionMetric } from '@loopmeter/shared';
import { detectRegressions } from './detect-regressions';
import type { Observation } from './observation';

const AS_OF = new Date('2026-05-01T00:00:00Z');
const DAY = 86_400_000;
// Recent window: 17 Apr → 1 May (14 days); baseline: 20 Feb → 17 Apr (56 days).
const RECENT_FROM = AS_OF.getTime() - 14 * DAY;
const BASELINE_FROM = RECENT_FROM - 56 * DAY;

/** `count` observations spread evenly over a window, the first `ones` of them with value 1 (rates). */
function spread(window: 'baseline' | 'recent', count: number, make: (i: number) => Omit<Observation, 'at'>): Observation[] {
  const [from, days] = window === 'baseline' ? [BASELINE_FROM, 56] : [RECENT_FROM, 14];
  return Array.from({ length: count }, (_, i) => ({ ...make(i), at: from + ((i + 0.5) / count) * days * DAY }));
}

function prs(window: 'baseline' | 'recent', count: number, merged: number, dims: Partial<Omit<Observation, 'at' | 'value' | 'metric'>>): Observation[] {
  return spread(window, count, (i) => ({ metric: 'pr-merge-rate', value: i < merged ? 1 : 0, teams: [], agent: null, model: null, repo: null, ...dims }));
}

/** A small PRNG with a seed (mulberry32), so the random series are the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Box-Muller: a standard normal draw from two uniforms. */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

describe('detectRegressions: a planted drop', () => {
  // Team payments: Codex PRs in acme/pay go from 21/30 merged to 6/30; its people's PRs stay at 70% (7/10 in
  // acme/pay, 14/20 in acme/web). So payments as a whole goes 42/60 = 70% → 27/60 = 45%.
  // Team growth: 60 → 60 PRs at 70%, 20 of them by Claude Code, nothing changes.
  const observations: Observation[] = [
    ...prs('baseline', 30, 21, { teams: ['payments'], agent: 'codex', repo: 'acme/pay' }),
    ...prs('recent', 30, 6, { teams: ['payments'], agent: 'codex', repo: 'acme/pay' }),
    ...prs('baseline', 10, 7, { teams: ['payments'], repo: 'acme/pay' }),
    ...prs('recent', 10, 7, { teams: ['payments'], repo: 'acme/pay' }),
    ...prs('baseline', 20, 14, { teams: ['payments'], repo: 'acme/web' }),
    ...prs('recent', 20, 14, { teams: ['payments'], repo: 'acme/web' }),
    ...prs('baseline', 40, 28, { teams: ['growth'], repo: 'acme/growth' }),
    ...prs('recent', 40, 28, { teams: ['growth'], repo: 'acme/growth' }),
    ...prs('baseline', 20, 14, { teams: ['growth'], agent: 'claude-code', repo: 'acme/growth' }),
    ...prs('recent', 20, 14, { teams: ['growth'], agent: 'claude-code', repo: 'acme/growth' }),
  ];
  const result = detectRegressions(observations, { asOf: AS_OF });

  it('finds merge rate 70% → 45% in team payments, driven by agent codex', () => {
    const payments = result.regressions.find((r) => r.key === 'pr-merge-rate|team|payments');
    expect(payments).toBeDefined();
    const d = payments!.detection;
    expect(d.baseline).toMatchObject({ n: 60, value: 0.7 });
    expect(d.recent.n).toBe(60);
    expect(d.recent.value).toBeCloseTo(0.45, 12);
    // z = −2.76995, p = 0.0056065 (two-proportion-z spec); 5 tests in the run (org, 2 teams, 2 agents).
    expect(d.test.name).toBe('two-proportion-z');
    expect(d.test.pValue).toBeCloseTo(0.005606454833117031, 12);
    expect(d.test.testsInRun).toBe(5);
    // BH: p sorted 0.0000992 (codex), 0.0056 (payments), 0.0441 (org)…: payments' adjusted p = 5 · 0.0056 / 2 = 0.0140.
    expect(d.test.adjustedPValue).toBeCloseTo((5 * 0.005606454833117031) / 2, 12);
    expect(d.effect).toMatchObject({ measure: 'difference-of-proportions' });
    expect(d.effect.size).toBeCloseTo(-0.25, 12);
    expect(d.effect.relativeChange).toBeCloseTo(-0.25 / 0.7, 12);
    // Removing Codex's PRs leaves 21/30 → 21/30: no change at all. Removing acme/pay leaves acme/web, also flat,
    // but acme/pay is the larger slice (80 PRs against 60): Codex is the more specific explanation.
    expect(d.driver).toEqual({ dimension: 'agent', value: 'codex', baseline: { n: 30, value: 0.7 }, recent: { n: 30, value: 0.2 }, effectWithout: 0, share: 1 });
    expect(payments!.summary).toBe(
      'PR merge rate for team payments fell from 70.0% to 45.0% (−25.0 points; 60 → 60 PRs; p = 0.0056, adjusted 0.014). Driven by agent codex (70.0% → 20.0%); without it: +0.0 points.',
    );
  });

  it('also flags agent codex itself (70% → 20%), and nothing else: the org-wide 70% → 57.5% does not survive the correction', () => {
    expect(result.regressions.map((r) => r.key).sort()).toEqual(['pr-merge-rate|agent|codex', 'pr-merge-rate|team|payments']);
    const codex = result.regressions.find((r) => r.key === 'pr-merge-rate|agent|codex')!;
    expect(codex.detection.test.pValue).toBeCloseTo(9.921865932493659e-5, 14);
    // Every Codex PR is in acme/pay and no model is known: no slice can explain more than the scope itself.
    expect(codex.detection.driver).toBeNull();
    // Org: 84/120 → 69/120, p = 0.044, adjusted 5 · 0.044 / 3 = 0.073 > 0.05.
    expect(result.outcomes.find((o) => o.key === 'pr-merge-rate|org|')?.outcome).toBe('not-significant');
    expect(result.outcomes.find((o) => o.key === 'pr-merge-rate|team|growth')?.outcome).toBe('not-significant');
  });

  it('names a repo when the drop is a repo across agents', () => {
    // acme/api breaks for everyone (people and both agents): 24/30 → 9/30 there, 24/30 → 24/30 in acme/web.
    const obs = ['codex', 'claude-code', null].flatMap((agent) => [
      ...prs('baseline', 10, 8, { agent, repo: 'acme/api' }),
      ...prs('recent', 10, 3, { agent, repo: 'acme/api' }),
      ...prs('baseline', 10, 8, { agent, repo: 'acme/web' }),
      ...prs('recent', 10, 8, { agent, repo: 'acme/web' }),
    ]);
    const org = detectRegressions(obs, { asOf: AS_OF }).regressions.find((r) => r.key === 'pr-merge-rate|org|')!;
    expect(org.detection.driver).toMatchObject({ dimension: 'repo', value: 'acme/api', baseline: { n: 30, value: 0.8 }, recent: { n: 30, value: 0.3 }, share: 1 });
  });
});

describe('detectRegressions: thresholds', () => {
  it('does not test a scope below 20 items per window', () => {
    const r = detectRegressions([...prs('baseline', 19, 15, {}), ...prs('recent', 40, 5, {})], { asOf: AS_OF });
    expect(r.outcomes).toEqual([{ key: 'pr-merge-rate|org|', metric: 'pr-merge-rate', scope: { kind: 'org', value: null }, outcome: 'insufficient-sample' }]);
  });

  it('does not test a rate with fewer than 5 expected failures per window (97% merged)', () => {
    // 97/100 vs 30/30 merged: pooled 127/130, so 30 · 3/130 = 0.7 expected failures in the recent window.
    const r = detectRegressions([...prs('baseline', 100, 97, {}), ...prs('recent', 30, 30, {})], { asOf: AS_OF });
    expect(r.outcomes[0]!.outcome).toBe('insufficient-sample');
  });

  it('ignores a significant change below the 5-point floor (70% → 67% over 5,000 PRs a window)', () => {
    // z = −3.23, p = 0.0012: certain, and immaterial.
    const r = detectRegressions([...prs('baseline', 5000, 3500, {}), ...prs('recent', 5000, 3350, {})], { asOf: AS_OF });
    expect(r.outcomes[0]!.outcome).toBe('below-effect-floor');
    expect(r.regressions).toEqual([]);
  });

  it('reports a rise of a merge rate as an improvement, not a regression', () => {
    const r = detectRegressions([...prs('baseline', 60, 27, {}), ...prs('recent', 60, 42, {})], { asOf: AS_OF });
    expect(r.outcomes[0]!.outcome).toBe('improvement');
  });

  it('treats a rise of the change failure rate as the regression (lower is better)', () => {
    const deployments = (window: 'baseline' | 'recent', count: number, failed: number) =>
      spread(window, count, (i) => ({ metric: 'change-failure-rate' as RegressionMetric, value: i < failed ? 1 : 0, teams: [], agent: null, model: null, repo: 'acme/web' }));
    // 5/100 → 15/60: pooled 20/160 = 0.125, SE = √(0.125 · 0.875 · (1/100 + 1/60)) = 0.054006, z = 0.2 / 0.054006 = 3.703,
    // p = 0.00021. One repo only: no slice to blame.
    const r = detectRegressions([...deployments('baseline', 100, 5), ...deployments('recent', 60, 15)], { asOf: AS_OF });
    expect(r.regressions.map((x) => x.summary)).toEqual([
      'Change failure rate for the organisation rose from 5.0% to 25.0% (+20.0 points; 100 → 60 deployments; p = 0.00021, adjusted 0.00021).',
    ]);
  });

  it('finds a slower PR cycle with Mann-Whitney, and ignores a 5% slower median (below the 10% floor)', () => {
    const cycles = (window: 'baseline' | 'recent', factor: number, count: number) =>
      spread(window, count, (i) => ({ metric: 'pr-cycle-time' as RegressionMetric, value: (5 + (i % 20) * 2) * factor, teams: [], agent: null, model: null, repo: null }));
    // Baseline 5, 7 … 43 h (median 24 h); recent the same shape twice as long (median 48 h).
    const slower = detectRegressions([...cycles('baseline', 1, 80), ...cycles('recent', 2, 40)], { asOf: AS_OF }).regressions;
    expect(slower).toHaveLength(1);
    expect(slower[0]!.detection).toMatchObject({ unit: 'hours', better: 'lower', baseline: { n: 80, value: 24 }, recent: { n: 40, value: 48 }, test: { name: 'mann-whitney-u' } });
    expect(slower[0]!.detection.effect.relativeChange).toBeCloseTo(1, 12);
    expect(slower[0]!.detection.effect.size).toBeGreaterThan(0.33);
    expect(slower[0]!.summary).toMatch(/^PR cycle time for the organisation rose from the median 24\.0 h to 48\.0 h \(\+100%, Cliff's δ 0\.\d\d; 80 → 40 PRs; p < 0\.0001/);
    // 5% slower over 4,000 → 2,000 PRs: significant (every value moved), but under the median floor.
    const barely = detectRegressions([...cycles('baseline', 1, 4000), ...cycles('recent', 1.05, 2000)], { asOf: AS_OF });
    expect(barely.outcomes[0]!.outcome).toBe('below-effect-floor');
  });

  it('leaves out observations outside the two windows', () => {
    const old = prs('baseline', 60, 60, {}).map((o) => ({ ...o, at: o.at - 100 * DAY }));
    const r = detectRegressions([...old, ...prs('baseline', 60, 42, {}), ...prs('recent', 60, 42, {})], { asOf: AS_OF });
    expect(r.outcomes[0]!.outcome).toBe('not-significant');
  });
});

describe('detectRegressions: stationary series raise (almost) no alarms', () => {
  /**
   * 200 teams, each with its own stationary process over the 70 days: 2 to 6 PRs a day, a merge probability
   * between 30% and 90%, lognormal cycle times (median 4.5 to 33 h), PRs by people or one of three agents in
   * team-specific but constant proportions, over two repos. Nothing changes between the windows, so every
   * finding would be a false alarm. The run tests the org, 200 teams and 3 agents for two metrics (~400 tests).
   */
  function stationaryTeams(seed: number, teams: number): Observation[] {
    const random = mulberry32(seed);
    const out: Observation[] = [];
    const agents = ['codex', 'claude-code', 'copilot'];
    for (let t = 0; t < teams; t++) {
      const team = `team-${String(t).padStart(3, '0')}`;
      const perDay = 2 + random() * 4;
      const mergeP = 0.3 + random() * 0.6;
      const logMedian = 1.5 + random() * 2;
      const agentShare = random() * 0.6;
      const count = Math.round(perDay * 70);
      for (let i = 0; i < count; i++) {
        const at = BASELINE_FROM + random() * 70 * DAY;
        const agent = random() < agentShare ? agents[Math.floor(random() * 3)]! : null;
        const repo = `${team}/${random() < 0.5 ? 'api' : 'web'}`;
        const merged = random() < mergeP;
        const dims = { teams: [team], agent, model: null, repo };
        out.push({ metric: 'pr-merge-rate', at, value: merged ? 1 : 0, ...dims });
        if (merged) out.push({ metric: 'pr-cycle-time', at, value: Math.exp(logMedian + gaussian(random)), ...dims });
      }
    }
    return out;
  }

  it('at most 1 false alarm over 200 stationary team series tested in one run', () => {
    const result = detectRegressions(stationaryTeams(20260501, 200), { asOf: AS_OF });
    const tested = result.outcomes.filter((o) => o.outcome !== 'insufficient-sample');
    expect(tested.length).toBeGreaterThan(350);
    expect(result.regressions.length).toBeLessThanOrEqual(1);
  });

  it('without the cross-scope control a single test errs about α/2 = 2.5% of the time: the control is what keeps a run quiet', () => {
    // The same 200 series, each in a run of its own with only its team's merge rate: 200 single tests at
    // α = 0.05, of which a regression needs the bad direction, so about 5 false alarms are expected
    // (Poisson, 99% between 0 and 11). This checks the z-test is calibrated, neither blind nor trigger-happy.
    const all = stationaryTeams(20260501, 200).filter((o) => o.metric === 'pr-merge-rate');
    let falseAlarms = 0;
    for (let t = 0; t < 200; t++) {
      const team = `team-${String(t).padStart(3, '0')}`;
      const own = all.filter((o) => o.teams[0] === team).map((o) => ({ ...o, teams: [], agent: null }));
      falseAlarms += detectRegressions(own, { asOf: AS_OF }).regressions.length;
    }
    expect(falseAlarms).toBeGreaterThanOrEqual(1);
    expect(falseAlarms).toBeLessThanOrEqual(11);
  });
});
