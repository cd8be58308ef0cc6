import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Model prices, to compute the cost of agent sessions whose agent reports none (Codex, Copilot, GenAI agents).
 * A computed cost is an estimate at list prices and is always labelled `cost_source = 'computed'`; a cost the
 * agent reports (Claude Code) is never replaced.
 *
 * Prices are US dollars per million tokens, standard tier: `input` (not read from or written to the cache),
 * `output`, `cacheRead` (cache hits) and `cacheWrite` (Anthropic's 5-minute cache writes; OpenAI bills cache
 * writes as ordinary input, so there it equals `input`). Long-context surcharges, batch and priority tiers are
 * not modelled.
 *
 * Override or extend with LOOPMETER_PRICES_FILE (JSON, see docs/sources/agents.md):
 * `{ "takenOn": "2026-12-01", "models": { "claude-sonnet-4-5": { "input": 3, "output": 15, "cacheRead": 0.3, "cacheWrite": 3.75 } } }`.
 */

export interface ModelPrice {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface PriceTable {
  /** When the prices were read from the vendors' pages (the defaults), or the file's own date. */
  takenOn: string;
  /** Keyed by normalized model name (see normalizeModelName). */
  models: ReadonlyMap<string, ModelPrice>;
  /** Where the table came from: 'defaults', or 'defaults + <file>'. */
  source: string;
}

/** The date the default prices were read from the vendors' pricing pages. */
export const DEFAULT_PRICES_TAKEN_ON = '2026-11-24';

/**
 * List prices from https://docs.anthropic.com/en/docs/about-claude/pricing and https://openai.com/api/pricing,
 * read on DEFAULT_PRICES_TAKEN_ON.
 */
export const DEFAULT_MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  // Anthropic: cache writes are the 5-minute writes (1.25 × input), cache hits 0.1 × input.
  'claude-opus-4-6': { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
  'claude-opus-4-5': { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
  'claude-opus-4-1': { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
  'claude-opus-4': { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
  'claude-sonnet-4-6': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'claude-sonnet-4-5': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'claude-sonnet-4': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'claude-3-7-sonnet': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'claude-haiku-4-5': { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
  'claude-3-5-haiku': { input: 0.8, output: 4, cacheRead: 0.08, cacheWrite: 1 },
  // OpenAI: cached input is the cache-read price; there is no separate cache-write price.
  'gpt-5.5': { input: 5, output: 30, cacheRead: 0.5, cacheWrite: 5 },
  'gpt-5.4': { input: 2.5, output: 15, cacheRead: 0.25, cacheWrite: 2.5 },
  'gpt-5.4-mini': { input: 0.75, output: 4.5, cacheRead: 0.075, cacheWrite: 0.75 },
  'gpt-5.4-nano': { input: 0.2, output: 1.25, cacheRead: 0.02, cacheWrite: 0.2 },
  'gpt-5.1': { input: 1.25, output: 10, cacheRead: 0.125, cacheWrite: 1.25 },
  'gpt-5.1-codex': { input: 1.25, output: 10, cacheRead: 0.125, cacheWrite: 1.25 },
  'gpt-5': { input: 1.25, output: 10, cacheRead: 0.125, cacheWrite: 1.25 },
  'gpt-5-codex': { input: 1.25, output: 10, cacheRead: 0.125, cacheWrite: 1.25 },
  'gpt-5-mini': { input: 0.25, output: 2, cacheRead: 0.025, cacheWrite: 0.25 },
  'gpt-5-nano': { input: 0.05, output: 0.4, cacheRead: 0.005, cacheWrite: 0.05 },
  'gpt-4.1': { input: 2, output: 8, cacheRead: 0.5, cacheWrite: 2 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6, cacheRead: 0.1, cacheWrite: 0.4 },
  'gpt-4o': { input: 2.5, output: 10, cacheRead: 1.25, cacheWrite: 2.5 },
  'gpt-4o-mini': { input: 0.15, output: 0.6, cacheRead: 0.075, cacheWrite: 0.15 },
  o3: { input: 2, output: 8, cacheRead: 0.5, cacheWrite: 2 },
  'o4-mini': { input: 1.1, output: 4.4, cacheRead: 0.275, cacheWrite: 1.1 },
};

const price = z.number().finite().min(0);
const modelPriceSchema = z.object({ input: price, output: price, cacheRead: price, cacheWrite: price }).strict();

/** The LOOPMETER_PRICES_FILE document. */
export const pricesFileSchema = z
  .object({
    takenOn: z.string().date('takenOn must be a date (YYYY-MM-DD)'),
    models: z.record(z.string().min(1), modelPriceSchema),
  })
  .strict();

/**
 * `claude-sonnet-4.5`, `anthropic/claude-sonnet-4-5` and `Claude-Sonnet-4-5` name the same model: lower case, the
 * provider prefix dropped, dots between digits as dashes (Copilot writes `claude-sonnet-4.5`). OpenAI's own dotted
 * names (`gpt-4.1`) normalize the same way on both sides, so they still match.
 */
export function normalizeModelName(model: string): string {
  const bare = model.trim().toLowerCase().split('/').pop() ?? '';
  return bare.replace(/(?<=\d)\.(?=\d)/g, '-');
}

/** A dated snapshot of a listed model: `-20250929`, `-2025-08-07`, `@20250929`, `-v1:0`. */
const SNAPSHOT_SUFFIX = /^(?:[-@]\d{8}|-\d{4}-\d{2}-\d{2}|-v\d+(?::\d+)?)+$/;

/**
 * The price of a model: its own entry, or the entry it is a dated snapshot of (`claude-sonnet-4-5-20250929` →
 * `claude-sonnet-4-5`). Never a near name: `gpt-5-pro` is not priced as `gpt-5` (a wrong cost is worse than none).
 */
export function priceOf(table: PriceTable, model: string | null | undefined): ModelPrice | null {
  if (!model) return null;
  const name = normalizeModelName(model);
  const exact = table.models.get(name);
  if (exact) return exact;
  let best: { key: string; price: ModelPrice } | null = null;
  for (const [key, price] of table.models) {
    if (name.startsWith(key) && SNAPSHOT_SUFFIX.test(name.slice(key.length)) && (!best || key.length > best.key.length)) best = { key, price };
  }
  return best?.price ?? null;
}

export interface TokenCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

/**
 * The cost in US dollars as a decimal string with 9 decimals (nano-dollars), so sums in the database stay exact:
 * tokens × $/million is micro-dollars, whole to a thousandth for prices with up to three decimals.
 */
export function costOf(tokens: TokenCounts, price: ModelPrice): string {
  // tokens × ($/M) is in micro-dollars; × 1000 to nano-dollars, rounded away from float noise.
  const nanoDollars = Math.round(
    (tokens.input * price.input + tokens.output * price.output + tokens.cacheRead * price.cacheRead + tokens.cacheCreation * price.cacheWrite) * 1000,
  );
  return formatNanoDollars(nanoDollars);
}

function formatNanoDollars(nano: number): string {
  const sign = nano < 0 ? '-' : '';
  const digits = String(Math.abs(nano)).padStart(10, '0');
  return `${sign}${digits.slice(0, -9)}.${digits.slice(-9)}`;
}

function tableOf(takenOn: string, models: Record<string, ModelPrice>, source: string): PriceTable {
  return { takenOn, source, models: new Map(Object.entries(models).map(([name, p]) => [normalizeModelName(name), p])) };
}

export const DEFAULT_PRICE_TABLE: PriceTable = tableOf(DEFAULT_PRICES_TAKEN_ON, DEFAULT_MODEL_PRICES, 'defaults');

/** Reads and validates a prices file; its models are added to the defaults, replacing those of the same name. */
export function loadPriceTable(file: string | undefined): PriceTable {
  if (!file) return DEFAULT_PRICE_TABLE;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`${file} is not JSON: ${(e as Error).message}`);
  }
  const parsed = pricesFileSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`);
  return tableOf(parsed.data.takenOn, { ...DEFAULT_MODEL_PRICES, ...parsed.data.models }, `defaults + ${file}`);
}
