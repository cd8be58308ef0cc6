import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import * as protobuf from 'protobufjs';

/**
 * The official opentelemetry-proto definitions (vendored under `proto/`, Apache-2.0, see proto/NOTICE), loaded
 * once with protobufjs when this module is first imported (at server start, through the OTLP controller).
 *
 * The folder is resolved from the source tree: `server/src/agents/otlp/proto` both when this file runs from
 * `src` (tests) and from `dist` (the build does not copy non-TypeScript files).
 */
export const OTLP_PROTO_DIR = [join(__dirname, 'proto'), resolve(__dirname, '../../../src/agents/otlp/proto')].find((dir) =>
  existsSync(join(dir, 'opentelemetry/proto/collector/logs/v1/logs_service.proto')),
) ?? join(__dirname, 'proto');

const SERVICE_FILES = [
  'opentelemetry/proto/collector/logs/v1/logs_service.proto',
  'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
  'opentelemetry/proto/collector/trace/v1/trace_service.proto',
];

export type OtlpSignal = 'logs' | 'metrics' | 'traces';

export interface OtlpMessageTypes {
  request: protobuf.Type;
  response: protobuf.Type;
}

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  // Imports are written from the proto root (`opentelemetry/proto/common/v1/common.proto`).
  root.resolvePath = (_origin, target) => (isAbsolute(target) ? target : join(OTLP_PROTO_DIR, target));
  root.loadSync(SERVICE_FILES, { keepCase: false });
  root.resolveAll();
  return root;
}

const root = loadRoot();

const TYPE_NAMES: Record<OtlpSignal, { request: string; response: string }> = {
  logs: { request: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest', response: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse' },
  metrics: { request: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest', response: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse' },
  traces: { request: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest', response: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse' },
};

export const OTLP_TYPES: Readonly<Record<OtlpSignal, OtlpMessageTypes>> = {
  logs: { request: root.lookupType(TYPE_NAMES.logs.request), response: root.lookupType(TYPE_NAMES.logs.response) },
  metrics: { request: root.lookupType(TYPE_NAMES.metrics.request), response: root.lookupType(TYPE_NAMES.metrics.response) },
  traces: { request: root.lookupType(TYPE_NAMES.traces.request), response: root.lookupType(TYPE_NAMES.traces.response) },
};

/**
 * google.rpc.Status, the body of an OTLP/HTTP error answer to a protobuf request. Three fields, declared here
 * rather than vendoring googleapis: `details` (repeated google.protobuf.Any) is always sent empty.
 */
export const RPC_STATUS_TYPE = new protobuf.Type('Status')
  .add(new protobuf.Field('code', 1, 'int32'))
  .add(new protobuf.Field('message', 2, 'string'));
new protobuf.Root().define('google.rpc').add(RPC_STATUS_TYPE);

/** Decodes a protobuf request into the same plain shape as the OTLP JSON encoding (camelCase, int64 as strings, enums as numbers, ids as hex). */
export function decodeProtobufRequest(signal: OtlpSignal, bytes: Buffer): unknown {
  const type = OTLP_TYPES[signal].request;
  const message = type.decode(bytes);
  return type.toObject(message, { longs: String, enums: Number, bytes: String, defaults: false, arrays: false, objects: false, oneofs: false });
}

export function encodeProtobufResponse(signal: OtlpSignal, body: Record<string, unknown>): Buffer {
  const type = OTLP_TYPES[signal].response;
  return Buffer.from(type.encode(type.fromObject(body)).finish());
}

export function encodeRpcStatus(code: number, message: string): Buffer {
  return Buffer.from(RPC_STATUS_TYPE.encode(RPC_STATUS_TYPE.create({ code, message })).finish());
}
