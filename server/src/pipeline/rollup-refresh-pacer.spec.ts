import { RollupRefreshPacer } from './rollup-refresh-pacer';

describe('RollupRefreshPacer', () => {
  it('refreshes every batch of a short queue, whatever the last refresh cost', () => {
    const pacer = new RollupRefreshPacer(4);
    pacer.refreshed('a', 0, 10_000);
    expect(pacer.due('a', false, 10_001)).toBe(true);
    expect(pacer.waitingOrgs()).toEqual([]);
  });

  it('during a backlog, waits until the batches since the last refresh took factor × its duration', () => {
    const pacer = new RollupRefreshPacer(4);
    // The first batch of a backlog refreshes (nothing to pace by yet).
    expect(pacer.due('a', true, 0)).toBe(true);
    pacer.refreshed('a', 0, 500); // took 500 ms: the next waits 4 × 500 = 2,000 ms after it ended (at 500)
    expect(pacer.due('a', true, 1_000)).toBe(false);
    expect(pacer.due('a', true, 2_499)).toBe(false);
    expect(pacer.waitingOrgs()).toEqual(['a']);
    expect(pacer.due('a', true, 2_500)).toBe(true);
    pacer.refreshed('a', 2_500, 4_000); // took 1,500 ms (more days waited): the next waits 6,000 ms, until 10,000
    expect(pacer.waitingOrgs()).toEqual([]);
    expect(pacer.due('a', true, 9_999)).toBe(false);
    expect(pacer.due('a', true, 10_000)).toBe(true);
  });

  it('paces each org by its own refreshes', () => {
    const pacer = new RollupRefreshPacer(4);
    pacer.refreshed('a', 0, 1_000);
    expect(pacer.due('a', true, 1_100)).toBe(false);
    expect(pacer.due('b', true, 1_100)).toBe(true);
    expect(pacer.waitingOrgs()).toEqual(['a']);
  });

  it('refreshes every batch with factor 0', () => {
    const pacer = new RollupRefreshPacer(0);
    pacer.refreshed('a', 0, 60_000);
    expect(pacer.due('a', true, 60_001)).toBe(true);
  });
});
