import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The largest body of an ordinary API request; the raw-body (ingest) paths keep the global limit (25 MB). */
export const MAX_API_BODY_BYTES = 2 * 1024 * 1024;

/** Paths whose handlers read the body as raw bytes: signatures are checked, and batches split, on exactly what arrived. */
const RAW_BODY_PREFIXES = ['/webhooks/', '/api/events', '/v1/'];

/** Media types that arrive as raw bytes on those paths (besides JSON): NDJSON batches, OTLP protobuf. */
const RAW_ONLY_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-protobuf'];

declare module 'fastify' {
  interface FastifyRequest {
    /** The body bytes as received (for JSON and the raw types). */
    rawBody?: Buffer;
  }
}

export function wantsRawBody(request: FastifyRequest): boolean {
  const path = request.url;
  return RAW_BODY_PREFIXES.some((p) => path.startsWith(p));
}

/**
 * JSON everywhere, parsed here with a clear 400 on bad input; on the raw-body paths the handler gets the
 * bytes instead and parses them itself, after checking the sender. Any other content type is a 415.
 */
export function registerBodyParsers(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    const bytes = body as Buffer;
    request.rawBody = bytes;
    if (wantsRawBody(request)) return done(null, bytes);
    if (bytes.length === 0) return done(null, undefined);
    // Ordinary API bodies are small; only the ingest paths above take up to the global limit.
    if (bytes.length > MAX_API_BODY_BYTES) return done(Object.assign(new Error('Body too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }), undefined);
    try {
      done(null, JSON.parse(bytes.toString('utf8')) as unknown);
    } catch (e) {
      done(Object.assign(new SyntaxError((e as Error).message), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }), undefined);
    }
  });
  fastify.addContentTypeParser(RAW_ONLY_TYPES, { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    if (!wantsRawBody(request)) {
      return done(Object.assign(new Error(`Unsupported Content-Type on ${request.url}`), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }), undefined);
    }
    request.rawBody = body as Buffer;
    done(null, body);
  });
}
