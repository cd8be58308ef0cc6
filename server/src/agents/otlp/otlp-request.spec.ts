import { jsonDepthOver, MAX_JSON_DEPTH, OtlpDecodeError, readOtlpRequest } from './otlp-request';

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
