import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger as Pino } from 'pino';

/**
 * How the HTTP server treats slow senders and requests refused before their body arrived (docs/reliability.md).
 *
 * - A request must arrive completely (headers and body) within REQUEST_TIMEOUT_SECONDS (default 120 s), else it
 *   is answered 408 and its connection closed: a sender that finished its headers and trickles a body forever
 *   would otherwise hold a socket and up to 25 MB of memory for good. Headers alone must arrive within 60 s (or
 *   the request timeout, when shorter). The time to answer is not limited: only the time to receive.
 * - A request answered before its body was read (413 for a declared Content-Length over the limit, or a body that
 *   grew past it, 415...) keeps its connection while the rest of the body is read and thrown away, at most
 *   MAX_DRAINED_BODY_BYTES and DRAIN_MS, so the sender reads the answer. Closing at once makes the kernel reset
 *   the connection on the unread bytes, and a client still writing its body gets EPIPE instead of the 413.
 */

/** Headers must arrive within this (Node's default), or within the request timeout when it is shorter. */
export const HEADERS_TIMEOUT_MS = 60_000;

/** After an early answer, the most of the rest of the body read and discarded (more: the connection is closed). */
export const MAX_DRAINED_BODY_BYTES = 100 * 1024 * 1024;

/** After an early answer, how long the rest of the body may take before the connection is closed. */
export const DRAIN_MS = 30_000;

/** Sockets answered early whose request body is still being read and discarded. */
const draining = new WeakSet<Socket>();

export interface HttpServerTimeouts {
  /** Fastify's `requestTimeout` (0: off). */
  requestTimeout: number;
  /** Options of Node's http.createServer. */
  http: Pick<ServerOptions, 'requestTimeout' | 'headersTimeout' | 'connectionsCheckingInterval'>;
}

/**
 * The server's timeouts for a request timeout in seconds (0: none). Node checks them every
 * `connectionsCheckingInterval` (30 s by default): here a tenth of the request timeout, between 0.5 and 30 s, so a
 * request is cut within 10% after its timeout.
 */
export function httpServerTimeouts(requestTimeoutSeconds: number): HttpServerTimeouts {
  const requestTimeout = Math.round(requestTimeoutSeconds * 1000);
  const headersTimeout = requestTimeout > 0 ? Math.min(HEADERS_TIMEOUT_MS, requestTimeout) : HEADERS_TIMEOUT_MS;
  const connectionsCheckingInterval = Math.min(30_000, Math.max(500, Math.round((requestTimeout || headersTimeout) / 10)));
  return { requestTimeout, http: { requestTimeout, headersTimeout, connectionsCheckingInterval } };
}

/**
 * Fastify's `clientErrorHandler`: a request that timed out, or is not valid HTTP, is answered in the API's error
 * shape (Fastify's default answers `{"error":"Request Timeout"...}`) and its connection closed. Nothing is written
 * on a connection that already carries an answer (an early answer whose body was being drained).
 */
export function clientErrorHandler(logger: Pino, requestTimeoutSeconds: number) {
  return (error: NodeJS.ErrnoException, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    if (!socket.writable || draining.has(socket)) {
      socket.destroy(error);
      return;
    }
    const requestId = randomUUID();
    let status: number;
    let code: string;
    let message: string;
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      code = 'request_timeout';
      message =
        requestTimeoutSeconds > 0
          ? `The request did not arrive in time: its headers must arrive within ${Math.min(HEADERS_TIMEOUT_MS / 1000, requestTimeoutSeconds)} s and the whole ` +
            `request within ${requestTimeoutSeconds} s (REQUEST_TIMEOUT_SECONDS). Send the body without pauses, or in smaller requests. Nothing was stored.`
          : `The request headers did not arrive within ${HEADERS_TIMEOUT_MS / 1000} s. Nothing was stored.`;
    } else if (error.code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      code = 'headers_too_large';
      message = 'The request headers are larger than the server accepts (16 KB); send fewer or shorter headers.';
    } else {
      status = 400;
      code = 'bad_request';
      message = `The request is not valid HTTP/1.1 (${error.code ?? error.message}).`;
    }
    // A timeout is worth seeing (a sender too slow, or trickling on purpose); malformed HTTP is noise from scanners.
    logger[status === 408 ? 'info' : 'debug']({ requestId, code, err: error.code ?? error.message, remoteAddress: socket.remoteAddress }, 'client error: connection closed');
    const body = JSON.stringify({ code, message, requestId });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
    socket.destroy(error);
  };
}

/**
 * Answers sent before the request body was read keep their connection while the rest of the body is read and
 * discarded (Node reads it: the connection stays usable for the next request), within MAX_DRAINED_BODY_BYTES
 * (as declared by Content-Length) and DRAIN_MS; a larger declared body still gets `Connection: close`.
 */
export function registerEarlyAnswerDrain(fastify: FastifyInstance): void {
  fastify.addHook('onSend', async (request, reply, payload) => {
    const raw = request.raw;
    if (raw.complete) return payload;
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_DRAINED_BODY_BYTES) {
      void reply.header('connection', 'close');
      return payload;
    }
    // Fastify sets `Connection: close` on a refused body ("the client may send more data"): Node would then
    // close the socket with the body unread, and the kernel answer the sender's next bytes with a reset.
    reply.removeHeader('connection');
    const socket = raw.socket;
    draining.add(socket);
    const timer = setTimeout(() => socket.destroy(), DRAIN_MS);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      draining.delete(socket);
    };
    raw.once('end', done);
    socket.once('close', done);
    return payload;
  });
}
