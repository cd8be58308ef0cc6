import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { costOf, DEFAULT_PRICE_TABLE, DEFAULT_PRICES_TAKEN_ON, loadPriceTable, normalizeModelName, priceOf } from './prices';

describe('the price table', () => {
  it('carries the date its default prices were taken', () => {
    expect(DEFAULT_PRICE_TABLE.takenOn).toBe(DEFAULT_PRICES_TAKEN_ON);
    expect(DEFAULT_PRICE_TABLE.source).toBe('defaults');
  });

  it('finds a model by its own name, its dated snapshot, a provider prefix or Copilot-style dots, never by a near name', () => {
    const sonnet = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
    expect(priceOf(DEFAULT_PRICE_TABLE, 'claude-sonnet-4-5')).toEqual(sonnet);
    expect(priceOf(DEFAULT_PRICE_TABLE, 'claude-sonnet-4-5-20250929')).toEqual(sonnet);
    expect(priceOf(DEFAULT_PRICE_TABLE, 'anthropic/Claude-Sonnet-4.5')).toEqual(sonnet);
    expect(priceOf(DEFAULT_PRICE_TABLE, 'gpt-4o-2024-08-06')).toEqual({ input: 2.5, output: 10, cacheRead: 1.25, cacheWrite: 2.5 });
    expect(priceOf(DEFAULT_PRICE_TABLE, 'gpt-4.1')).toEqual({ input: 2, output: 8, cacheRead: 0.5, cacheWrite: 2 });
    // The longest listed name wins: gpt-5-mini's snapshot is not priced as gpt-5.
    expect(priceOf(DEFAULT_PRICE_TABLE, 'gpt-5-mini-2025-08-07')).toEqual({ input: 0.25, output: 2, cacheRead: 0.025, cacheWrite: 0.25 });
    expect(priceOf(DEFAULT_PRICE_TABLE, 'gpt-5-pro')).toBeNull();
    expect(priceOf(DEFAULT_PRICE_TABLE, 'some-local-model')).toBeNull();
    expect(priceOf(DEFAULT_PRICE_TABLE, null)).toBeNull();
    expect(normalizeModelName('openai/GPT-5.4-mini')).toBe('gpt-5-4-mini');
  });

  it('computes a cost exactly, to the nano-dollar', () => {
    const sonnet = priceOf(DEFAULT_PRICE_TABLE, 'claude-sonnet-4-5')!;
    // 1200 × $3 + 350 × $15 + 8000 × $0.30 + 500 × $3.75 per million = 3600 + 5250 + 2400 + 1875 = 13125 µ$.
    expect(costOf({ input: 1200, output: 350, cacheRead: 8000, cacheCreation: 500 }, sonnet)).toBe('0.013125000');
    const codex = priceOf(DEFAULT_PRICE_TABLE, 'gpt-5-codex')!;
    // 1304 × $1.25 + 610 × $10 + 4096 × $0.125 = 1630 + 6100 + 512 = 8242 µ$.
    expect(costOf({ input: 1304, output: 610, cacheRead: 4096, cacheCreation: 0 }, codex)).toBe('0.008242000');
    const mini = priceOf(DEFAULT_PRICE_TABLE, 'gpt-4o-mini')!;
    // 7 × $0.075 = 0.525 µ$: kept to the nano-dollar.
    expect(costOf({ input: 0, output: 0, cacheRead: 7, cacheCreation: 0 }, mini)).toBe('0.000000525');
    expect(costOf({ input: 0, output: 0, cacheRead: 0, cacheCreation: 0 }, mini)).toBe('0.000000000');
  });

  it('adds a prices file to the defaults, replacing models of the same name, and says what is wrong with a bad one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loopmeter-prices-'));
    const file = join(dir, 'prices.json');
    writeFileSync(file, JSON.stringify({ takenOn: '2026-12-01', models: { 'claude-sonnet-4-5': { input: 2, output: 10, cacheRead: 0.2, cacheWrite: 2.5 }, 'our-llama': { input: 0.1, output: 0.1, cacheRead: 0, cacheWrite: 0.1 } } }));
    const table = loadPriceTable(file);
    expect(table.takenOn).toBe('2026-12-01');
    expect(table.source).toBe(`defaults + ${file}`);
    expect(priceOf(table, 'claude-sonnet-4-5-20250929')).toEqual({ input: 2, output: 10, cacheRead: 0.2, cacheWrite: 2.5 });
    expect(priceOf(table, 'our-llama')).toEqual({ input: 0.1, output: 0.1, cacheRead: 0, cacheWrite: 0.1 });
    expect(priceOf(table, 'gpt-4o')).toEqual(priceOf(DEFAULT_PRICE_TABLE, 'gpt-4o'));

    writeFileSync(file, JSON.stringify({ takenOn: 'yesterday', models: { x: { input: -1, output: 1, cacheRead: 1 } } }));
    expect(() => loadPriceTable(file)).toThrow(/takenOn: takenOn must be a date.*models\.x\.input.*models\.x\.cacheWrite/);
    expect(() => loadPriceTable(join(dir, 'missing.json'))).toThrow(/cannot read/);
  });
});
