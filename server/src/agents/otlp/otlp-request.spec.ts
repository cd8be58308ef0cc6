import { charsetOf, isUtf8Charset, jsonDepthOver, MAX_JSON_DEPTH, MAX_TIMESTAMP_NANOS, nanosToIso, OtlpDecodeError, readOtlpRequest } from './otlp-request';

/** A log record whose one attribute is a key-value list nested `levels` deep (written as text: too deep for JSON.stringify). */
function nestedLogs(levels: number): Buffer {
  const open = '{"kvlistValue":{"values":[{"key":"k","value":';
  const close = '}]}}';
  const value = open.repeat(levels) + '{"stringValue":"leaf"}' + close.repeat(levels);
  return Buffer.from(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"claude_code.user_prompt"},"attributes":[{"key":"deep","value":${value}}]}]}]}]}`);
}

describe('readOtlpRequest: nesting', () => {
  it('reads values nested as deep as real exporters send them', () => {
    const read = readOtlpRequest('logs', 'json', nestedLogs(10));
    expect(read.resources[0].scopes[0].items).toHaveLength(1);
  });

  it('refuses a body nested thousands of levels deep with a decode error, not a stack overflow', () => {
    expect(() => readOtlpRequest('logs', 'json', nestedLogs(20_000))).toThrow(OtlpDecodeError);
    expect(() => readOtlpRequest('logs', 'json', nestedLogs(20_000))).toThrow(`deeper than ${MAX_JSON_DEPTH} levels`);
  });

  it('measures depth by levels of objects and arrays', () => {
    expect(jsonDepthOver({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(jsonDepthOver({ a: [{ b: {} }] }, 3)).toBe(true);
    expect(jsonDepthOver('text', 0)).toBe(false);
  });
});

describe('readOtlpRequest: character encoding', () => {
  const json = '{"resourceLogs":[]}';

  it('says when a body that is not JSON is UTF-16 or starts with a byte order mark', () => {
    for (const body of [Buffer.from(json, 'utf16le'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]), Buffer.from(json, 'utf16le').swap16()]) {
      expect(() => readOtlpRequest('logs', 'json', body)).toThrow(/not valid JSON .* The body looks UTF-16-encoded: OTLP JSON must be UTF-8\.$/);
    }
    expect(() => readOtlpRequest('logs', 'json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]))).toThrow(/byte order mark: send UTF-8 without one\.$/);
    expect(() => readOtlpRequest('logs', 'json', Buffer.from('{"resourceLogs":'))).toThrow(/not valid JSON \([^)]*\)\.$/);
  });

  it('reads the charset parameter of a Content-Type', () => {
    expect(charsetOf('application/json')).toBeUndefined();
    expect(charsetOf('application/json; charset=UTF-8')).toBe('utf-8');
    expect(charsetOf('application/json;charset="utf-16le"')).toBe('utf-16le');
    expect(charsetOf('application/json; foo=bar; Charset=ISO-8859-1')).toBe('iso-8859-1');
    expect(isUtf8Charset('utf-8') && isUtf8Charset('utf8')).toBe(true);
    expect(isUtf8Charset('utf-16le')).toBe(false);
  });
});

describe('readOtlpRequest: malformed records are left out, never an unexpected error', () => {
  const logs = (record: Record<string, unknown>) => Buffer.from(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'claude_code.user_prompt' } }, record] }] }] }));

  it('rejects a record whose body is not an AnyValue (a string, an array, a number) with its reason', () => {
    for (const body of ['text', [null, 1], -2147483649, true, { intValue: 'x' }, { arrayValue: { values: ['not an AnyValue'] } }]) {
      const read = readOtlpRequest('logs', 'json', logs({ body }));
      expect(read).toMatchObject({ records: 2, rejected: 1 });
      expect(read.problems[0]).toMatch(/^resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[1\]: body: /);
    }
  });

  it('rejects timestamps no Date can hold or past the year 9999, and negative ones', () => {
    for (const timeUnixNano of [1e308, '123456789012345678901234567890123456789', '253402300800000000000', -5]) {
      const read = readOtlpRequest('logs', 'json', logs({ timeUnixNano }));
      expect(read.rejected).toBe(1);
      expect(read.problems[0]).toMatch(/timeUnixNano .* is not a nanosecond timestamp/);
    }
    const latest = readOtlpRequest('logs', 'json', logs({ timeUnixNano: (MAX_TIMESTAMP_NANOS - 1n).toString() }));
    expect(latest.rejected).toBe(0);
    expect(nanosToIso(latest.resources[0].scopes[0].items[1].timeUnixNano!)).toBe('9999-12-31T23:59:59.999Z');
  });

  it('rejects a metric whose integer point value is not a number', () => {
    const body = Buffer.from(JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'm', sum: { dataPoints: [{ asInt: '1e400' }] } }] }] }] }));
    expect(readOtlpRequest('metrics', 'json', body)).toMatchObject({ rejected: 1, problems: [expect.stringContaining('asInt "1e400" is not an integer')] });
  });
});
