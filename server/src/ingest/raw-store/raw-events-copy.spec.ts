import type { RawEventInput } from './raw-event';
import { rawEventsCopyBinary, writeTimestamp } from './raw-events-copy';

/**
 * The binary COPY rows of the staging path (PostgreSQL's COPY BINARY format, read back here by a decoder of the
 * test's own): every field in the staging table's order, bodies byte for byte, NULLs as NULLs, text as UTF-8, jsonb
 * as version 1 + the same JSON text the parameter path sends, timestamps as microseconds since 2000-01-01 UTC.
 */
const ORG = '0190a8f2-7c1e-7a3b-9d4e-5f6a7b8c9d0e';
const INTEGRATION = 'ABCDEF01-2345-6789-ABCD-EF0123456789';

function event(overrides: Partial<RawEventInput> = {}): RawEventInput {
  return {
    orgId: ORG,
    source: 'events',
    sourceKey: 'events',
    integrationId: null,
    deliveryKey: 'k-1',
    deliveryKeySource: 'event-id',
    eventType: 'insight.captured',
    action: null,
    contentType: 'application/json',
    headers: {},
    meta: { tokenId: null, tokenTeam: 'payments', via: 'token' },
    body: Buffer.from('{"id":"k-1"}'),
    receivedAt: new Date('2026-03-02T09:00:00.123Z'),
    status: 'pending',
    ...overrides,
  };
}

/** Reads COPY BINARY back: the rows as arrays of field bytes (null for NULL). */
function decode(data: Buffer): Array<Array<Buffer | null>> {
  expect(data.subarray(0, 11).toString('latin1')).toBe('PGCOPY\n\xff\r\n\0');
  expect(data.readInt32BE(11)).toBe(0);
  expect(data.readInt32BE(15)).toBe(0);
  let at = 19;
  const rows: Array<Array<Buffer | null>> = [];
  for (;;) {
    const count = data.readInt16BE(at);
    at += 2;
    if (count === -1) break;
    const row: Array<Buffer | null> = [];
    for (let f = 0; f < count; f++) {
      const length = data.readInt32BE(at);
      at += 4;
      if (length === -1) {
        row.push(null);
        continue;
      }
      row.push(data.subarray(at, at + length));
      at += length;
    }
    rows.push(row);
  }
  expect(at).toBe(data.length);
  return rows;
}

const uuidText = (b: Buffer | null) => b && [b.subarray(0, 4), b.subarray(4, 6), b.subarray(6, 8), b.subarray(8, 10), b.subarray(10)].map((p) => p.toString('hex')).join('-');
const micros = (b: Buffer | null) => b && b.readBigInt64BE(0);
const utf8 = (b: Buffer | null) => b && b.toString('utf8');

describe('rawEventsCopyBinary', () => {
  it('writes every field of every row in the staging table order, NULLs as NULLs', () => {
    const body = Buffer.from([0, 0xff, 0xfe, 0x5c, 0x22, 0x0a, 0x09, 0x0d]);
    const rows = decode(
      rawEventsCopyBinary([
        event(),
        event({
          integrationId: INTEGRATION, deliveryKey: 'é\t\n\\ 🎉', action: 'opened', contentType: null, headers: { 'x-github-event': 'push' },
          meta: { note: 'ünïcode "quoted"' }, body, status: 'ignored', source: 'github', sourceKey: INTEGRATION, deliveryKeySource: 'x-github-delivery', eventType: 'pull_request',
        }),
      ])!,
    );
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toHaveLength(15);
    const [first, second] = rows;
    expect(uuidText(first[0])).toBe(ORG);
    expect(first.slice(1, 3).map(utf8)).toEqual(['events', 'events']);
    expect(first[3]).toBeNull();
    expect(first.slice(4, 7).map(utf8)).toEqual(['k-1', 'event-id', 'insight.captured']);
    expect(first[7]).toBeNull();
    expect(utf8(first[8])).toBe('application/json');
    // jsonb: format version 1, then exactly JSON.stringify's text.
    expect(first[9]![0]).toBe(1);
    expect(utf8(first[9]!.subarray(1))).toBe('{}');
    expect(utf8(first[10]!.subarray(1))).toBe(JSON.stringify({ tokenId: null, tokenTeam: 'payments', via: 'token' }));
    expect(utf8(first[11])).toBe('{"id":"k-1"}');
    expect(micros(first[12])).toBe(BigInt(Date.parse('2026-03-02T09:00:00.123Z') - Date.UTC(2000, 0, 1)) * 1000n);
    expect(utf8(first[13])).toBe('pending');
    expect(first[14]!.readInt32BE(0)).toBe(0);

    expect(uuidText(second[3])).toBe(INTEGRATION.toLowerCase());
    expect(utf8(second[4])).toBe('é\t\n\\ 🎉');
    expect(utf8(second[7])).toBe('opened');
    expect(second[8]).toBeNull();
    expect(utf8(second[9]!.subarray(1))).toBe('{"x-github-event":"push"}');
    expect(utf8(second[10]!.subarray(1))).toBe('{"note":"ünïcode \\"quoted\\""}');
    expect(second[11]!.equals(body)).toBe(true);
    expect(utf8(second[13])).toBe('ignored');
    expect(second[14]!.readInt32BE(0)).toBe(1);
  });

  it('keeps bodies byte for byte: empty, every byte value, 1 MB', () => {
    const bodies = [Buffer.alloc(0), Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.alloc(1024 * 1024, 0xab)];
    const rows = decode(rawEventsCopyBinary(bodies.map((body, i) => event({ deliveryKey: `b-${i}`, body })))!);
    expect(rows.map((r, i) => r[11]!.equals(bodies[i]))).toEqual([true, true, true]);
  });

  it('serializes a shared headers or meta object once, and different ones each on its own', () => {
    const shared = { via: 'token' };
    const rows = decode(rawEventsCopyBinary([event({ meta: shared }), event({ meta: shared }), event({ meta: { via: 'session' } }), event({ meta: shared })])!);
    expect(rows.map((r) => utf8(r[10]!.subarray(1)))).toEqual(['{"via":"token"}', '{"via":"token"}', '{"via":"session"}', '{"via":"token"}']);
  });

  it('stays within its buffer with multi-byte text and lone surrogates (written as U+FFFD, as the parameter path does)', () => {
    const long = '€'.repeat(5000);
    const rows = decode(rawEventsCopyBinary([event({ deliveryKey: '\ud800x\udfff', eventType: long, meta: { s: '😀'.repeat(100) } })])!);
    expect(rows[0][4]!.equals(Buffer.from('\ud800x\udfff', 'utf8'))).toBe(true);
    expect(utf8(rows[0][6])).toBe(long);
    expect(utf8(rows[0][10]!.subarray(1))).toBe(JSON.stringify({ s: '😀'.repeat(100) }));
  });

  it('declines (undefined) a uuid not in canonical form or an invalid date: the parameter path lets PostgreSQL judge', () => {
    expect(rawEventsCopyBinary([event({ orgId: '{0190a8f2-7c1e-7a3b-9d4e-5f6a7b8c9d0e}' })])).toBeUndefined();
    expect(rawEventsCopyBinary([event(), event({ integrationId: 'not-a-uuid' })])).toBeUndefined();
    expect(rawEventsCopyBinary([event({ receivedAt: new Date(Number.NaN) })])).toBeUndefined();
  });
});

describe('writeTimestamp', () => {
  const written = (unixMs: number) => {
    const out = Buffer.alloc(8);
    expect(writeTimestamp(out, unixMs, 0)).toBe(8);
    return out.readBigInt64BE(0);
  };
  const expected = (unixMs: number) => (BigInt(unixMs) - BigInt(Date.UTC(2000, 0, 1))) * 1000n;

  it.each([
    ['the epoch itself', Date.UTC(2000, 0, 1)],
    ['now', Date.parse('2026-11-24T15:04:05.678Z')],
    ['before 2000', Date.parse('1999-12-31T23:59:59.999Z')],
    ['1970', 0],
    ['year 1', Date.parse('0001-01-01T00:00:00.001Z')],
    ['year 9999', Date.parse('9999-12-31T23:59:59.999Z')],
    ['the largest JavaScript date', 8.64e15],
    ['the smallest JavaScript date', -8.64e15],
  ])('%s', (_, unixMs) => {
    expect(written(unixMs)).toBe(expected(unixMs));
  });
});
