import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import type { IngestOutcome } from '@loopmeter/shared';
import type { Principal } from '../../auth/principal';
import { AppConfig } from '../../core/config/app-config';
import { AppException } from '../../core/errors/app.exception';
import { IngestCounters } from '../../ingest/counters/ingest-counters';
import { RawEventWriter } from '../../ingest/raw-store/raw-event-writer';
import { encodeProtobufResponse, type OtlpSignal } from './otlp-proto';
import { charsetOf, isUtf8Charset, OtlpDecodeError, otlpEncodingOf, readOtlpRequest, type OtlpEncoding } from './otlp-request';
import { stripOtlpContent } from './otlp-strip';
import { OtlpException } from './otlp.exception';

export const OTLP_SOURCE = 'otlp';

/** The largest body accepted once decompressed (the same as any body sent uncompressed). */
export const MAX_OTLP_DECOMPRESSED_BYTES = 25 * 1024 * 1024;

/** Headers kept with the raw row: how it was sent, never credentials. */
const KEPT_HEADERS = ['content-type', 'content-encoding', 'user-agent'];

/** The partialSuccess field naming the rejected records, per signal (OTLP Export*PartialSuccess). */
const REJECTED_FIELD: Record<OtlpSignal, string> = { logs: 'rejectedLogRecords', metrics: 'rejectedDataPoints', traces: 'rejectedSpans' };

export interface OtlpExportRequest {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  principal: Principal;
  receivedAt: Date;
}

/** What to answer: 200 and an Export*ServiceResponse in the request's own encoding. */
export interface OtlpExportAnswer {
  contentType: 'application/json' | 'application/x-protobuf';
  body: Buffer | Record<string, unknown>;
  /** What happened to the delivery (for the counters and the tests). */
  outcome: IngestOutcome;
}

/**
 * `POST /v1/{logs,metrics,traces}` (OTLP/HTTP): decompress, decode to check it is an export request and count its
 * records, remove prompt text, tool arguments and outputs (unless LOOPMETER_STORE_PROMPTS=true), then store the
 * decompressed body in the raw store (one row per request, deduplicated by the SHA-256 of the decompressed body as
 * received, so a retried export is a duplicate) and answer once it is committed. The pipeline normalizes it later.
 */
@Injectable()
export class OtlpReceiverService {
  constructor(private readonly writer: RawEventWriter, private readonly counters: IngestCounters, private readonly config: AppConfig) {}

  async receive(signal: OtlpSignal, request: OtlpExportRequest): Promise<OtlpExportAnswer> {
    try {
      const answer = await this.accept(signal, request);
      this.counters.add(OTLP_SOURCE, answer.outcome);
      return answer;
    } catch (error) {
      this.counters.add(OTLP_SOURCE, error instanceof AppException && error.status === 503 ? 'rejected_unavailable' : 'rejected_invalid');
      throw error;
    }
  }

  private async accept(signal: OtlpSignal, request: OtlpExportRequest): Promise<OtlpExportAnswer> {
    const contentType = header(request.headers, 'content-type') ?? '';
    const encoding = otlpEncodingOf(contentType);
    if (!encoding) throw OtlpException.unsupportedMediaType(contentType);
    const charset = charsetOf(contentType);
    if (encoding === 'json' && charset !== undefined && !isUtf8Charset(charset)) throw OtlpException.unsupportedCharset(charset);
    const body = decompress(request.rawBody, header(request.headers, 'content-encoding'));

    let read;
    try {
      read = readOtlpRequest(signal, encoding, body);
    } catch (error) {
      if (error instanceof OtlpDecodeError) throw OtlpException.invalidData(error.message);
      throw error;
    }
    const partial =
      read.rejected > 0 ? { [REJECTED_FIELD[signal]]: read.rejected, errorMessage: `${read.rejected} malformed record(s) left out: ${read.problems.join('; ')}` } : undefined;

    let outcome: IngestOutcome = 'ignored';
    if (read.records > read.rejected) {
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const value = header(request.headers, name);
        if (value !== undefined) headers[name] = value;
      }
      const { principal } = request;
      // The key is of the bytes as received: a retry of the same export dedupes whatever was removed from it.
      const deliveryKey = createHash('sha256').update(body).digest('hex');
      const stored = this.config.storePrompts ? { body, removed: 0 } : stripOtlpContent(signal, encoding, body);
      const [written] = await this.writer.write([
        {
          orgId: principal.orgId,
          source: OTLP_SOURCE,
          sourceKey: OTLP_SOURCE,
          integrationId: null,
          deliveryKey,
          deliveryKeySource: 'body-sha256',
          eventType: signal,
          action: null,
          contentType: encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json',
          headers,
          meta: {
            tokenId: principal.tokenId ?? null,
            tokenTeam: principal.team,
            via: principal.via,
            records: read.records,
            rejected: read.rejected,
            contentRemoved: stored.removed,
          },
          body: stored.body,
          receivedAt: request.receivedAt,
          status: 'pending',
        },
      ]);
      outcome = written.outcome === 'duplicate' ? 'duplicate' : 'accepted';
    }
    return answer(signal, encoding, partial, outcome);
  }
}

function answer(signal: OtlpSignal, encoding: OtlpEncoding, partialSuccess: Record<string, unknown> | undefined, outcome: IngestOutcome): OtlpExportAnswer {
  const response = partialSuccess ? { partialSuccess } : {};
  if (encoding === 'protobuf') return { contentType: 'application/x-protobuf', body: encodeProtobufResponse(signal, response), outcome };
  return { contentType: 'application/json', body: response, outcome };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** gzip (the one compression OTLP/HTTP defines) within the size cap; identity as is. */
function decompress(body: Buffer, contentEncoding: string | undefined): Buffer {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return body;
  if (encoding !== 'gzip' && encoding !== 'x-gzip') throw OtlpException.unsupportedContentEncoding(encoding);
  try {
    return gunzipSync(body, { maxOutputLength: MAX_OTLP_DECOMPRESSED_BYTES });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) throw OtlpException.tooLarge(MAX_OTLP_DECOMPRESSED_BYTES);
    throw OtlpException.invalidGzip((error as Error).message);
  }
}
