import { decodeProtobufRequest, type OtlpSignal } from './otlp-proto';

/**
 * An OTLP export request read into plain, typed structures, the same whether it came as protobuf or as the
 * OTLP JSON encoding (camelCase keys, int64 as strings or numbers, enums as numbers or names, ids as hex).
 * Used by the receiver (to validate and count before storing) and by the pipeline (to normalize what was stored).
 */

export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };
export type Attributes = Record<string, AttributeValue>;

export interface OtlpLogRecord {
  /** Unix time in nanoseconds, or null when the sender left it unset (0). */
  timeUnixNano: bigint | null;
  observedTimeUnixNano: bigint | null;
  eventName: string | null;
  severityText: string | null;
  body: AttributeValue;
  attributes: Attributes;
}

export type MetricKind = 'sum' | 'gauge' | 'histogram' | 'exponentialHistogram' | 'summary' | 'none';
export type Temporality = 'delta' | 'cumulative' | 'unspecified';

export interface OtlpDataPoint {
  attributes: Attributes;
  startTimeUnixNano: bigint | null;
  timeUnixNano: bigint | null;
  /** The number of a sum or gauge point; null for the other kinds. */
  value: number | null;
}

export interface OtlpMetric {
  name: string;
  unit: string;
  kind: MetricKind;
  temporality: Temporality;
  monotonic: boolean;
  points: OtlpDataPoint[];
}

export interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  startTimeUnixNano: bigint | null;
  endTimeUnixNano: bigint | null;
  attributes: Attributes;
  /** The span status: `error` when the sender marked it failed (STATUS_CODE_ERROR). */
  status: 'unset' | 'ok' | 'error';
}

export interface OtlpScope<T> {
  name: string;
  version: string;
  items: T[];
}

export interface OtlpResource<T> {
  attributes: Attributes;
  scopes: Array<OtlpScope<T>>;
}

export interface OtlpRequest<T> {
  resources: Array<OtlpResource<T>>;
  /** Records (log records, data points, spans) in the request, well-formed or not. */
  records: number;
  /** Records that are malformed and were left out (reported to the sender as partialSuccess). */
  rejected: number;
  /** What was wrong with the rejected records (the first few). */
  problems: string[];
}

export type OtlpLogsRequest = OtlpRequest<OtlpLogRecord>;
export type OtlpMetricsRequest = OtlpRequest<OtlpMetric>;
export type OtlpTracesRequest = OtlpRequest<OtlpSpan>;

export interface OtlpRequestBySignal {
  logs: OtlpLogsRequest;
  metrics: OtlpMetricsRequest;
  traces: OtlpTracesRequest;
}

export type OtlpEncoding = 'json' | 'protobuf';

/** The whole body cannot be read: nothing of it is stored. */
export class OtlpDecodeError extends Error {}

/**
 * OTLP JSON is shallow (request → resource → scope → record → attribute → value, plus nested arrays and key-value
 * lists). Anything much deeper is refused before it is walked: every reader of the body (this one, the privacy
 * strip, the normalizer) recurses into values, and a few thousand levels overflow the stack (found by the fuzz
 * of test/reliability, docs/reliability.md O4).
 */
export const MAX_JSON_DEPTH = 64;

/** Whether a parsed JSON value nests deeper than `max` (measured without recursion). */
export function jsonDepthOver(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

const MAX_PROBLEMS = 5;

export const OTLP_CONTENT_TYPES: Readonly<Record<string, OtlpEncoding>> = {
  'application/json': 'json',
  'application/x-protobuf': 'protobuf',
};

/** `application/json; charset=utf-8` → `json`; anything else → undefined. */
export function otlpEncodingOf(contentType: string | null | undefined): OtlpEncoding | undefined {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return OTLP_CONTENT_TYPES[mediaType];
}

/** The `charset` parameter of a Content-Type, lower-cased and unquoted; undefined when there is none. */
export function charsetOf(contentType: string | null | undefined): string | undefined {
  for (const parameter of (contentType ?? '').split(';').slice(1)) {
    const [name, ...value] = parameter.split('=');
    if (name.trim().toLowerCase() === 'charset') return value.join('=').trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  }
  return undefined;
}

/** OTLP JSON is UTF-8 (the only charset JSON allows between systems, RFC 8259 §8.1). */
export function isUtf8Charset(charset: string): boolean {
  return charset === 'utf-8' || charset === 'utf8';
}

/** Why a body that is not JSON may not be: the wrong character encoding, said so the sender knows what to fix. */
function encodingHint(body: Buffer): string {
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return ' The body starts with a byte order mark: send UTF-8 without one.';
  const utf16 = body.length >= 2 && ((body[0] === 0xff && body[1] === 0xfe) || (body[0] === 0xfe && body[1] === 0xff) || body[0] === 0 || body[1] === 0);
  return utf16 ? ' The body looks UTF-16-encoded: OTLP JSON must be UTF-8.' : '';
}

export function readOtlpRequest<S extends OtlpSignal>(signal: S, encoding: OtlpEncoding, body: Buffer): OtlpRequestBySignal[S] {
  let plain: unknown;
  if (encoding === 'protobuf') {
    try {
      plain = decodeProtobufRequest(signal, body);
    } catch (e) {
      throw new OtlpDecodeError(`The body is not a protobuf-encoded ${requestTypeName(signal)} (${(e as Error).message}).`);
    }
  } else {
    if (body.length === 0) plain = {};
    else {
      try {
        plain = JSON.parse(body.toString('utf8')) as unknown;
      } catch (e) {
        throw new OtlpDecodeError(`The body is not valid JSON (${(e as Error).message}).${encodingHint(body)}`);
      }
      const depth = jsonDepthOver(plain, MAX_JSON_DEPTH);
      if (depth) throw new OtlpDecodeError(`The body nests JSON deeper than ${MAX_JSON_DEPTH} levels; OTLP needs about 12 (values inside key-value lists and arrays add a few).`);
    }
  }
  const ids: IdEncoding = encoding === 'protobuf' ? 'base64' : 'hex';
  const reader = new Reader(ids);
  if (!isObject(plain)) throw new OtlpDecodeError(`The body is not an OTLP ${requestTypeName(signal)} object.`);
  const requests: { [K in OtlpSignal]: () => OtlpRequestBySignal[K] } = {
    logs: () => reader.request(plain, 'resourceLogs', 'scopeLogs', 'logRecords', (r) => reader.logRecord(r)),
    metrics: () => reader.request(plain, 'resourceMetrics', 'scopeMetrics', 'metrics', (m) => reader.metric(m)),
    traces: () => reader.request(plain, 'resourceSpans', 'scopeSpans', 'spans', (s) => reader.span(s)),
  };
  return requests[signal]();
}

export function requestTypeName(signal: OtlpSignal): string {
  return { logs: 'ExportLogsServiceRequest', metrics: 'ExportMetricsServiceRequest', traces: 'ExportTraceServiceRequest' }[signal];
}

type IdEncoding = 'hex' | 'base64';
type Plain = Record<string, unknown>;

function isObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A record that cannot be read; the request goes on without it. */
class RecordError extends Error {}

class Reader {
  private records = 0;
  private rejected = 0;
  private readonly problems: string[] = [];

  constructor(private readonly ids: IdEncoding) {}

  request<T>(body: Plain, resourcesKey: string, scopesKey: string, itemsKey: string, item: (raw: unknown) => { value: T; records: number }): OtlpRequest<T> {
    const resources: Array<OtlpResource<T>> = [];
    for (const [ri, rawResource] of this.list(body[resourcesKey], resourcesKey).entries()) {
      if (!isObject(rawResource)) throw new OtlpDecodeError(`${resourcesKey}[${ri}] is not an object.`);
      const resource = isObject(rawResource.resource) ? rawResource.resource : {};
      const scopes: Array<OtlpScope<T>> = [];
      for (const [si, rawScope] of this.list(rawResource[scopesKey], `${resourcesKey}[${ri}].${scopesKey}`).entries()) {
        if (!isObject(rawScope)) throw new OtlpDecodeError(`${resourcesKey}[${ri}].${scopesKey}[${si}] is not an object.`);
        const scope = isObject(rawScope.scope) ? rawScope.scope : {};
        const items: T[] = [];
        for (const [ii, rawItem] of this.list(rawScope[itemsKey], `${resourcesKey}[${ri}].${scopesKey}[${si}].${itemsKey}`).entries()) {
          try {
            const read = item(rawItem);
            this.records += read.records;
            items.push(read.value);
          } catch (e) {
            if (!(e instanceof RecordError)) throw e;
            this.records++;
            this.rejected++;
            if (this.problems.length < MAX_PROBLEMS) this.problems.push(`${resourcesKey}[${ri}].${scopesKey}[${si}].${itemsKey}[${ii}]: ${e.message}`);
          }
        }
        scopes.push({ name: text(scope.name), version: text(scope.version), items });
      }
      resources.push({ attributes: this.attributesOf(resource.attributes, 'resource.attributes', true), scopes });
    }
    return { resources, records: this.records, rejected: this.rejected, problems: this.problems };
  }

  logRecord(raw: unknown): { value: OtlpLogRecord; records: number } {
    if (!isObject(raw)) throw new RecordError('not an object');
    return {
      records: 1,
      value: {
        timeUnixNano: nanos(raw.timeUnixNano, 'timeUnixNano'),
        observedTimeUnixNano: nanos(raw.observedTimeUnixNano, 'observedTimeUnixNano'),
        eventName: text(raw.eventName) || null,
        severityText: text(raw.severityText) || null,
        body: raw.body === undefined || raw.body === null ? null : bodyValue(raw.body),
        attributes: this.attributesOf(raw.attributes, 'attributes'),
      },
    };
  }

  metric(raw: unknown): { value: OtlpMetric; records: number } {
    if (!isObject(raw)) throw new RecordError('not an object');
    const name = text(raw.name);
    if (!name) throw new RecordError('a metric without a name');
    const kinds: Array<Exclude<MetricKind, 'none'>> = ['sum', 'gauge', 'histogram', 'exponentialHistogram', 'summary'];
    const kind = kinds.find((k) => isObject(raw[k])) ?? 'none';
    const data = kind === 'none' ? {} : (raw[kind] as Plain);
    const points: OtlpDataPoint[] = [];
    for (const rawPoint of this.list(data.dataPoints, `${name}.dataPoints`)) {
      if (!isObject(rawPoint)) throw new RecordError(`${name}: a data point is not an object`);
      points.push({
        attributes: this.attributesOf(rawPoint.attributes, `${name}.dataPoints.attributes`),
        startTimeUnixNano: nanos(rawPoint.startTimeUnixNano, 'startTimeUnixNano'),
        timeUnixNano: nanos(rawPoint.timeUnixNano, 'timeUnixNano'),
        value: kind === 'sum' || kind === 'gauge' ? pointValue(rawPoint) : null,
      });
    }
    return {
      records: points.length,
      value: { name, unit: text(raw.unit), kind, temporality: temporality(data.aggregationTemporality), monotonic: data.isMonotonic === true, points },
    };
  }

  span(raw: unknown): { value: OtlpSpan; records: number } {
    if (!isObject(raw)) throw new RecordError('not an object');
    return {
      records: 1,
      value: {
        name: text(raw.name),
        traceId: this.id(raw.traceId),
        spanId: this.id(raw.spanId),
        parentSpanId: this.id(raw.parentSpanId),
        startTimeUnixNano: nanos(raw.startTimeUnixNano, 'startTimeUnixNano'),
        endTimeUnixNano: nanos(raw.endTimeUnixNano, 'endTimeUnixNano'),
        attributes: this.attributesOf(raw.attributes, 'attributes'),
        status: spanStatus(raw.status),
      },
    };
  }

  private list(value: unknown, where: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw new OtlpDecodeError(`${where} is not an array.`);
    return value;
  }

  /** Attributes are a list of `{ key, value: AnyValue }`; a bad one rejects its record (or, on a resource, the request). */
  private attributesOf(value: unknown, where: string, wholeRequest = false): Attributes {
    const fail = (message: string): never => {
      throw wholeRequest ? new OtlpDecodeError(`${where}: ${message}.`) : new RecordError(`${where}: ${message}`);
    };
    const out: Attributes = {};
    if (value === undefined || value === null) return out;
    if (!Array.isArray(value)) return fail('not an array');
    for (const kv of value as unknown[]) {
      if (!isObject(kv) || typeof kv.key !== 'string') return fail('an attribute without a string key');
      try {
        out[kv.key] = kv.value === undefined || kv.value === null ? null : anyValue(kv.value);
      } catch (e) {
        return fail(`${kv.key}: ${(e as Error).message}`);
      }
    }
    return out;
  }

  private id(value: unknown): string {
    const raw = text(value);
    return this.ids === 'base64' ? Buffer.from(raw, 'base64').toString('hex') : raw.toLowerCase();
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A log record's body (an AnyValue); a malformed one rejects its record. */
function bodyValue(value: unknown): AttributeValue {
  try {
    return anyValue(value);
  } catch (e) {
    throw new RecordError(`body: ${(e as Error).message}`);
  }
}

/**
 * An AnyValue in plain form: `{ stringValue }`, `{ intValue }` (string or number), `{ arrayValue: { values } }`...
 * A malformed one throws a RecordError (its record is left out), whoever reads it.
 */
function anyValue(value: unknown): AttributeValue {
  if (!isObject(value)) throw new RecordError('not an AnyValue object');
  if ('stringValue' in value) return typeof value.stringValue === 'string' ? value.stringValue : String(value.stringValue);
  if ('boolValue' in value) return value.boolValue === true || value.boolValue === 'true';
  if ('intValue' in value) return integer(value.intValue, 'intValue');
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('bytesValue' in value) return text(value.bytesValue);
  if ('arrayValue' in value) {
    const values = isObject(value.arrayValue) ? value.arrayValue.values : undefined;
    return Array.isArray(values) ? values.map(anyValue) : [];
  }
  if ('kvlistValue' in value) {
    const values = isObject(value.kvlistValue) ? value.kvlistValue.values : undefined;
    const out: { [key: string]: AttributeValue } = {};
    if (Array.isArray(values)) for (const kv of values as unknown[]) if (isObject(kv) && typeof kv.key === 'string') out[kv.key] = kv.value ? anyValue(kv.value) : null;
    return out;
  }
  return null;
}

function integer(value: unknown, field: string): number {
  if (isObject(value) && typeof value.low === 'number' && typeof value.high === 'number') return value.high * 2 ** 32 + (value.low >>> 0);
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw new RecordError(`${field} ${JSON.stringify(value)?.slice(0, 100)} is not an integer`);
  return n;
}

/**
 * Timestamps from 10000-01-01 on are refused: they are no time an agent worked, and they are past what a
 * JavaScript Date can hold (from 275760 on), so reading them as dates would fail on every attempt (the fuzz sent
 * 1e308 and 39-digit integers, docs/reliability.md O5).
 */
export const MAX_TIMESTAMP_NANOS = 253_402_300_800_000n * 1_000_000n;

/** fixed64 nanoseconds as a string, a number or `{ low, high }`; 0 and absent mean "not set". */
function nanos(value: unknown, field: string): bigint | null {
  if (value === undefined || value === null || value === '' || value === 0 || value === '0') return null;
  let read: bigint | undefined;
  try {
    if (isObject(value) && typeof value.low === 'number' && typeof value.high === 'number') read = (BigInt(value.high >>> 0) << 32n) + BigInt(value.low >>> 0);
    else if (typeof value === 'number') read = BigInt(Math.trunc(value));
    else if (typeof value === 'string' && /^\d+$/.test(value)) read = BigInt(value);
  } catch {
    // not a number BigInt can hold (Infinity, NaN): refused below
  }
  if (read === undefined) throw new RecordError(`${field} ${JSON.stringify(value)?.slice(0, 100)} is not a nanosecond timestamp`);
  if (read < 0n || read >= MAX_TIMESTAMP_NANOS) throw new RecordError(`${field} ${String(read).slice(0, 40)} is not a nanosecond timestamp before the year 10000`);
  return read;
}

function pointValue(point: Plain): number | null {
  if (point.asDouble !== undefined) return Number(point.asDouble);
  if (point.asInt !== undefined) return integer(point.asInt, 'asInt');
  return null;
}

/** Status.code: 1 (or STATUS_CODE_OK) is ok, 2 (or STATUS_CODE_ERROR) is error. */
function spanStatus(value: unknown): OtlpSpan['status'] {
  const code = isObject(value) ? value.code : undefined;
  if (code === 2 || code === 'STATUS_CODE_ERROR') return 'error';
  if (code === 1 || code === 'STATUS_CODE_OK') return 'ok';
  return 'unset';
}

function temporality(value: unknown): Temporality {
  if (value === 1 || value === 'AGGREGATION_TEMPORALITY_DELTA') return 'delta';
  if (value === 2 || value === 'AGGREGATION_TEMPORALITY_CUMULATIVE') return 'cumulative';
  return 'unspecified';
}

/** Nanoseconds since the epoch → ISO 8601 (millisecond precision). */
export function nanosToIso(nanos: bigint): string {
  return new Date(Number(nanos / 1_000_000n)).toISOString();
}
