/**
 * A seeded mutator for fuzzing the ingest endpoints: structural mutations of JSON (type swaps, deleted and
 * duplicated keys, huge numbers, deep nesting, long strings, odd characters) and byte mutations of what is sent
 * (bit flips, truncation, inserted garbage, wrong encodings, invalid UTF-8), over real payloads. The same
 * (seed, case) gives the same bytes, so a failure names what replays it.
 */

/** mulberry32: small, fast, and good enough to pick mutations. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

/** The random stream of one case: a function of the run's seed, the target and the case number alone. */
export function caseRng(seed: number, target: string, index: number): Rng {
  let h = 2166136261 ^ seed;
  for (const ch of `${target}:${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return new Rng(h >>> 0);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Placeholders replaced in the serialized text by what JSON.stringify cannot write (numbers beyond double, duplicate keys, deep nesting). */
const RAW = '\u0001raw:';

const HUGE_NUMBERS = ['1e400', '-1e400', '123456789012345678901234567890123456789', '0.000000000000000000000000000000000001', '1E+2147483648', '-0', '9007199254740993', '4294967296', '2147483648'];
const ODD_STRINGS = [
  '',
  ' ',
  'null',
  'true',
  '0',
  '-1',
  'NaN',
  '1e999',
  '2026-13-45T99:99:99Z',
  '0000-00-00T00:00:00Z',
  '9999-12-31T23:59:59.999999999+14:00',
  'not a date',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\u202e\u2066',
  '😀'.repeat(50),
  'é'.repeat(300),
  '<script>alert(1)</script>',
  "'; DROP TABLE raw_events; --",
  '../../../../etc/passwd',
  'ABC-123 closes #1 fixes owner/repo#2 ENG-42',
  'refs/heads/',
  'refs/tags/v1',
  '%s%s%s%n',
  '\\u0000',
  '__proto__',
  'constructor',
];

function oddValue(rng: Rng): Json | string {
  switch (rng.int(12)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1, 1.5, -2147483649, 2147483648, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, 5e-324]);
    case 3:
      return `${RAW}${rng.pick(HUGE_NUMBERS)}`;
    case 4:
      return rng.pick(ODD_STRINGS);
    case 5:
      return 'x'.repeat(rng.pick([1_000, 65_536, 300_000]));
    case 6:
      return [];
    case 7:
      return {};
    case 8:
      return [null, 1, 'a', {}, []];
    case 9:
      return { id: null, name: 1, __proto__x: { constructor: 'x' } };
    case 10:
      return `${RAW}${deepNesting(rng)}`;
    default:
      return Array.from({ length: rng.pick([100, 5_000]) }, (_, i) => i);
  }
}

function deepNesting(rng: Rng): string {
  const depth = rng.pick([64, 1_000, 10_000, 100_000]);
  return rng.chance(0.5) ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

interface Slot {
  parent: Json[] | { [key: string]: Json };
  key: string | number;
}

/** Every place in the tree (a breadth-first list, capped). */
function slots(root: Json, limit = 5_000): Slot[] {
  const out: Slot[] = [];
  const queue: Json[] = [root];
  while (queue.length > 0 && out.length < limit) {
    const node = queue.shift()!;
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        out.push({ parent: node, key: i });
        queue.push(child);
      });
    } else if (node && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        out.push({ parent: node, key });
        queue.push(child);
      }
    }
  }
  return out;
}

/** The most characters one `repeat` mutation makes (the largest bodies are then refused with 413, as intended). */
const MAX_REPEATED_CHARS = 64 * 2 ** 20;

/** The text of a value with its "\u0001raw:…" placeholders replaced by the raw text they carry. */
function withRawText(text: string): string {
  return text.replace(/"\\u0001raw:((?:[^"\\]|\\.)*)"/g, (_, raw: string) => raw.replace(/\\"/g, '"'));
}

/** The length of a value once serialized as it will be sent. */
function serializedLength(value: Json): number {
  return withRawText(JSON.stringify(value) ?? 'null').length;
}

/** Structural mutations of a JSON document; returns the text (which may not be valid JSON any more) and what was done. */
export function mutateJsonText(value: unknown, rng: Rng, applied: string[]): string {
  const root = structuredClone(value) as Json;
  const duplicates: Array<[string, string]> = [];
  const count = 1 + rng.int(3);
  for (let m = 0; m < count; m++) {
    const all = slots(root);
    if (all.length === 0) break;
    // Half the time go for a leaf near the top (the fields parsers look at first), else anywhere.
    const slot = rng.chance(0.5) ? all[rng.int(Math.min(all.length, 40))] : rng.pick(all);
    const { parent, key } = slot;
    const path = String(key);
    switch (rng.int(7)) {
      case 0:
      case 1: {
        const v = oddValue(rng);
        (parent as Record<string, Json>)[key as string] = v as Json;
        applied.push(`swap ${path} → ${typeof v === 'string' && v.startsWith(RAW) ? v.slice(RAW.length, RAW.length + 20) : JSON.stringify(v)?.slice(0, 40)}`);
        break;
      }
      case 2:
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key as string];
        applied.push(`delete ${path}`);
        break;
      case 3:
        if (!Array.isArray(parent)) {
          const marker = `${RAW}dup${duplicates.length}`;
          duplicates.push([marker, key as string]);
          parent[marker] = rng.chance(0.5) ? (oddValue(rng) as Json) : parent[key as string];
          applied.push(`duplicate key ${path}`);
        }
        break;
      case 4: {
        const v = (parent as Record<string, Json>)[key as string];
        if (Array.isArray(v) && v.length > 0) {
          const wanted = rng.pick([50, 2_000]);
          // Capped so the document stays far below V8's longest string (~512 MiB): 2,000 copies of an element that
          // already holds a 300,000-character string cannot even be serialized (a test crash, not a request).
          const times = Math.max(1, Math.min(wanted, Math.floor(MAX_REPEATED_CHARS / serializedLength(v[0]))));
          (parent as Record<string, Json>)[key as string] = Array.from({ length: times }, () => structuredClone(v[0]));
          applied.push(times === wanted ? `repeat ${path}[0]` : `repeat ${path}[0] (${times} times, capped at ${MAX_REPEATED_CHARS / 2 ** 20} MiB)`);
        } else {
          (parent as Record<string, Json>)[key as string] = [v];
          applied.push(`wrap ${path} in an array`);
        }
        break;
      }
      case 5:
        if (!Array.isArray(parent)) {
          const v = parent[key as string];
          delete parent[key as string];
          parent[rng.chance(0.5) ? (key as string).toUpperCase() : `${key as string} `] = v;
          applied.push(`rename ${path}`);
        }
        break;
      default:
        (parent as Record<string, Json>)[key as string] = `${RAW}${deepNesting(rng)}`;
        applied.push(`deep nesting at ${path}`);
    }
  }
  let text = JSON.stringify(root);
  for (const [marker, key] of duplicates) text = text.replace(JSON.stringify(marker), JSON.stringify(key));
  // "\u0001raw:…" strings become the raw text they carry.
  return withRawText(text);
}

/** Byte mutations: what a broken proxy, a wrong charset or a cut connection does to a body. */
export function mutateBytes(input: Buffer, rng: Rng, applied: string[]): Buffer {
  let bytes: Buffer = Buffer.from(input);
  switch (rng.int(9)) {
    case 0: {
      const flips = 1 + rng.int(8);
      for (let i = 0; i < flips && bytes.length > 0; i++) bytes[rng.int(bytes.length)] ^= 1 << rng.int(8);
      applied.push(`${flips} bit flip(s)`);
      break;
    }
    case 1: {
      const at = rng.int(bytes.length + 1);
      bytes = bytes.subarray(0, at);
      applied.push(`truncated at ${at}`);
      break;
    }
    case 2: {
      const at = rng.int(bytes.length + 1);
      const garbage = Buffer.from(Array.from({ length: 1 + rng.int(32) }, () => rng.int(256)));
      bytes = Buffer.concat([bytes.subarray(0, at), garbage, bytes.subarray(at)]);
      applied.push(`${garbage.length} random byte(s) at ${at}`);
      break;
    }
    case 3:
      bytes = Buffer.from(bytes.toString('utf8'), 'utf16le');
      applied.push('re-encoded as UTF-16LE');
      break;
    case 4:
      bytes = Buffer.from(bytes.toString('utf8'), 'latin1');
      applied.push('re-encoded as Latin-1');
      break;
    case 5:
      bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
      applied.push('UTF-8 BOM');
      break;
    case 6: {
      const at = rng.int(bytes.length + 1);
      const invalid = rng.pick([[0xc3, 0x28], [0xff], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x00]]);
      bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(invalid), bytes.subarray(at)]);
      applied.push(`invalid UTF-8 ${Buffer.from(invalid).toString('hex')} at ${at}`);
      break;
    }
    case 7: {
      const from = rng.int(bytes.length + 1);
      const to = Math.min(bytes.length, from + 1 + rng.int(256));
      const at = rng.int(bytes.length + 1);
      bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(from, to), bytes.subarray(at)]);
      applied.push(`copied ${to - from} byte(s) from ${from} to ${at}`);
      break;
    }
    default: {
      const from = rng.int(bytes.length + 1);
      const to = Math.min(bytes.length, from + 1 + rng.int(64));
      bytes = Buffer.concat([bytes.subarray(0, from), bytes.subarray(to)]);
      applied.push(`deleted ${to - from} byte(s) at ${from}`);
    }
  }
  return bytes;
}

/** Protobuf-aware byte mutations: broken varints, lengths past the end, wrong wire types, plus the generic ones. */
export function mutateProtobuf(input: Buffer, rng: Rng, applied: string[]): Buffer {
  let bytes: Buffer = Buffer.from(input);
  const count = 1 + rng.int(3);
  for (let m = 0; m < count; m++) {
    const at = rng.int(bytes.length + 1);
    switch (rng.int(6)) {
      case 0:
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.alloc(11, 0xff), bytes.subarray(at)]);
        applied.push(`overlong varint at ${at}`);
        break;
      case 1:
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), bytes.subarray(at)]);
        applied.push(`length past the end at ${at}`);
        break;
      case 2:
        if (bytes.length > 0) {
          const i = Math.min(at, bytes.length - 1);
          bytes[i] = (bytes[i] & 0xf8) | rng.pick([1, 2, 3, 4, 5, 6, 7]);
          applied.push(`wire type changed at ${i}`);
        }
        break;
      case 3:
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([0x1a, 0x00]), bytes.subarray(at)]);
        applied.push(`empty message inserted at ${at}`);
        break;
      default:
        bytes = mutateBytes(bytes, rng, applied);
    }
  }
  return bytes;
}

/** A JSON payload mutated structurally, or in its bytes, or both. */
export function mutateJsonPayload(value: unknown, rng: Rng): { body: Buffer; applied: string[] } {
  const applied: string[] = [];
  const structural = rng.chance(0.75);
  const text = structural ? mutateJsonText(value, rng, applied) : JSON.stringify(value);
  let body: Buffer = Buffer.from(text, 'utf8');
  if (!structural || rng.chance(0.3)) body = mutateBytes(body, rng, applied);
  return { body, applied };
}
