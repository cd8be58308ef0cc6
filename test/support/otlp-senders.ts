import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context } from '@opentelemetry/api';
import type { AnyValue } from '@opentelemetry/api-logs';
import { OTLPLogExporter as OTLPLogExporterJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OTLPLogExporterProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { AggregationTemporalityPreference, OTLPMetricExporter as OTLPMetricExporterJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OTLPMetricExporterProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { JsonTraceSerializer, ProtobufTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import { BatchSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';

/**
 * The real OpenTelemetry JS SDK as an agent would use it: a LoggerProvider or MeterProvider with the official
 * OTLP/HTTP exporters (JSON or protobuf, optionally gzip), pointed at the test app.
 */

export type OtlpProtocol = 'http/json' | 'http/protobuf';

export interface ExportTarget {
  url: string;
  token: string;
  protocol: OtlpProtocol;
  gzip?: boolean;
}

export interface LogRecordInput {
  /** The log body: Claude Code writes the event name here; Codex leaves it empty. */
  body?: string;
  attributes: Record<string, AnyValue>;
  timestamp: Date;
}

/** Export result codes as the SDK reports them (0 = success, 1 = failed). */
export interface ExportOutcome {
  codes: number[];
}

type ExportCallback = (result: { code: number; error?: Error }) => void;

/** Records each export's result: the SDK only logs failures, the tests assert them. */
function recordResults<T extends { export(items: never, cb: ExportCallback): void }>(exporter: T, outcome: ExportOutcome): T {
  const original = exporter.export.bind(exporter) as (items: unknown, cb: ExportCallback) => void;
  (exporter as unknown as { export: (items: unknown, cb: ExportCallback) => void }).export = (items, cb) =>
    original(items, (result) => {
      outcome.codes.push(result.code);
      cb(result);
    });
  return exporter;
}

function exporterConfig(target: ExportTarget, signal: 'logs' | 'metrics' | 'traces') {
  return {
    url: `${target.url}/v1/${signal}`,
    headers: { Authorization: `Bearer ${target.token}` },
    // The exporters' CompressionAlgorithm enum is not exported by them; its values are these strings.
    compression: (target.gzip ? 'gzip' : 'none') as never,
    timeoutMillis: 10_000,
  };
}

/** Emits the records through a LoggerProvider with a batch processor (as agents do) and flushes them in one export. */
export async function exportLogs(target: ExportTarget, resource: Record<string, string>, records: LogRecordInput[]): Promise<ExportOutcome> {
  const outcome: ExportOutcome = { codes: [] };
  const config = exporterConfig(target, 'logs');
  const exporter = recordResults(target.protocol === 'http/json' ? new OTLPLogExporterJson(config) : new OTLPLogExporterProto(config), outcome);
  const provider = new LoggerProvider({ resource: resourceFromAttributes(resource), processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 3_600_000, maxExportBatchSize: 512 })] });
  const logger = provider.getLogger('com.anthropic.claude_code.events', '2.1.0');
  for (const record of records) logger.emit({ body: record.body, attributes: record.attributes, timestamp: record.timestamp });
  await provider.forceFlush();
  await provider.shutdown();
  return outcome;
}

export interface CounterInput {
  name: string;
  unit?: string;
  /** Each add() of this counter, in order; with `flushAfter`, a collection and export follows that add. */
  adds: Array<{ value: number; attributes: Record<string, string | number>; flushAfter?: boolean }>;
}

/**
 * Records counters through a MeterProvider and exports them: once at the end, and after every add marked
 * `flushAfter`. Delta temporality by default, as Claude Code exports.
 */
export async function exportCounters(
  target: ExportTarget,
  resource: Record<string, string>,
  counters: CounterInput[],
  temporality: 'delta' | 'cumulative' = 'delta',
): Promise<ExportOutcome> {
  const outcome: ExportOutcome = { codes: [] };
  const config = {
    ...exporterConfig(target, 'metrics'),
    temporalityPreference: temporality === 'delta' ? AggregationTemporalityPreference.DELTA : AggregationTemporalityPreference.CUMULATIVE,
  };
  const exporter = recordResults(target.protocol === 'http/json' ? new OTLPMetricExporterJson(config) : new OTLPMetricExporterProto(config), outcome);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000, exportTimeoutMillis: 10_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes(resource), readers: [reader] });
  const meter = provider.getMeter('com.anthropic.claude_code', '2.1.0');
  for (const counter of counters) {
    const instrument = meter.createCounter(counter.name, { unit: counter.unit });
    for (const add of counter.adds) {
      instrument.add(add.value, add.attributes);
      if (add.flushAfter) await provider.forceFlush();
    }
  }
  await provider.forceFlush();
  await provider.shutdown();
  return outcome;
}

/**
 * The OTLP/HTTP span exporter, assembled exactly as @opentelemetry/exporter-trace-otlp-http and -proto assemble it
 * (those two packages are not installed; their parts, the SDK's HTTP export delegate and trace serializers, are).
 */
class OtlpTraceExporter extends OTLPExporterBase<ReadableSpan[]> {
  constructor(config: ReturnType<typeof exporterConfig>, protocol: OtlpProtocol) {
    const json = protocol === 'http/json';
    super(
      createOtlpHttpExportDelegate(
        convertLegacyHttpOptions(config, 'TRACES', 'v1/traces', { 'Content-Type': json ? 'application/json' : 'application/x-protobuf' }),
        json ? JsonTraceSerializer : ProtobufTraceSerializer,
        'otlp_http_span_exporter',
        TraceExporterMetricsHelper,
        undefined,
      ),
    );
  }
}

export interface SpanInput {
  name: string;
  start: Date;
  end: Date;
  attributes: Attributes;
  kind?: SpanKind;
  /** Marks the span failed (status code ERROR). */
  error?: boolean;
  /** Span events (GenAI content events, for instance). */
  events?: Array<{ name: string; at: Date; attributes: Attributes }>;
  children?: SpanInput[];
}

/** Records the span trees through a TracerProvider with a batch span processor (as agents do) and flushes them in one export. */
export async function exportSpans(target: ExportTarget, resource: Record<string, string>, roots: SpanInput[]): Promise<ExportOutcome> {
  const outcome: ExportOutcome = { codes: [] };
  const exporter = recordResults(new OtlpTraceExporter(exporterConfig(target, 'traces'), target.protocol), outcome);
  const provider = new TracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 3_600_000, maxExportBatchSize: 512 })],
  });
  const tracer = provider.getTracer('copilot-chat', '0.36.0');
  const record = (input: SpanInput, parent: Context) => {
    const span = tracer.startSpan(input.name, { kind: input.kind ?? SpanKind.INTERNAL, startTime: input.start, attributes: input.attributes }, parent);
    for (const event of input.events ?? []) span.addEvent(event.name, event.attributes, event.at);
    for (const child of input.children ?? []) record(child, trace.setSpan(parent, span));
    if (input.error) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(input.end);
  };
  for (const root of roots) record(root, context.active());
  await provider.forceFlush();
  await provider.shutdown();
  return outcome;
}
