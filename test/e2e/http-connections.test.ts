import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

/**
 * The connection-level behaviour of the HTTP server (server/src/core/http/connections.ts): a body refused before it
 * was read is still read (and discarded), so the sender gets the answer instead of a reset while it writes; a
 * request that takes longer than REQUEST_TIMEOUT_SECONDS to arrive is answered 408 and disconnected.
 */

function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Collects what the server writes; `until` resolves once the text matches (or the socket closes). */
function reader(socket: Socket) {
  let text = '';
  let closed = false;
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    waiters.splice(0).forEach((w) => w());
  });
  socket.on('close', () => {
    closed = true;
    waiters.splice(0).forEach((w) => w());
  });
  return {
    text: () => text,
    closed: () => closed,
    async until(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(text) && !closed && Date.now() < deadline) await Promise.race([new Promise<void>((r) => waiters.push(r)), sleep(100)]);
      return text;
    },
  };
}

/** Writes `total` bytes as fast as the socket takes them; rejects on a write error (a reset: EPIPE, ECONNRESET). */
async function writeAll(socket: Socket, total: number): Promise<void> {
  const block = Buffer.alloc(256 * 1024, 0x61);
  for (let sent = 0; sent < total; sent += block.length) {
    const piece = block.subarray(0, Math.min(block.length, total - sent));
    await new Promise<void>((resolve, reject) => socket.write(piece, (error) => (error ? reject(error) : resolve())));
  }
}

describe('HTTP connections: early answers and slow senders', () => {
  describe('a body over the limit', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t.close());

    it('is answered 413 at once, read to its end, and the connection then serves the next request', async () => {
      const token = await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'otlp', scope: 'ingest' } });
      const total = 30 * 1024 * 1024;
      const socket = await open(t.url);
      const answer = reader(socket);
      socket.write(`POST /v1/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token.body.token}\r\nContent-Type: application/json\r\nContent-Length: ${total}\r\n\r\n`);
      // The answer comes before the body: the server does not wait for 30 MB it will refuse.
      expect(await answer.until(/\r\n\r\n\{.*\}$/s)).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer.text()).not.toMatch(/^connection: close/im);
      expect(JSON.parse(answer.text().split('\r\n\r\n')[1])).toMatchObject({ code: 'payload_too_large' });
      // Every byte of the body is taken (no reset while writing), and the connection is still in step afterwards.
      await writeAll(socket, total);
      socket.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      expect(await answer.until(/HTTP\/1\.1 413 [\s\S]*HTTP\/1\.1 200 /)).toMatch(/HTTP\/1\.1 200 /);
      expect(answer.closed()).toBe(false);
      socket.destroy();
    });
  });

  describe('requests that are not HTTP', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t.close());

    it.each([
      ['a broken request line', 'NOT HTTP AT ALL\r\n\r\n', 400, 'bad_request'],
      ['headers over 16 KB', `GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
    ])('answers %s in the API error shape and closes', async (_what, request, status, code) => {
      const socket = await open(t.url);
      const answer = reader(socket);
      socket.write(request);
      await answer.until(/(?!)/);
      expect(answer.closed()).toBe(true);
      expect(answer.text()).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(JSON.parse(answer.text().split('\r\n\r\n')[1])).toMatchObject({ code, message: expect.any(String), requestId: expect.any(String) });
    });
  });

  describe('REQUEST_TIMEOUT_SECONDS', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { REQUEST_TIMEOUT_SECONDS: '1' } });
    });
    afterAll(() => t.close());

    it('answers 408 and disconnects a sender that trickles its body, in the API error shape', async () => {
      const socket = await open(t.url);
      const answer = reader(socket);
      const started = Date.now();
      socket.write(`POST /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TEST_ADMIN_TOKEN}\r\nContent-Type: application/x-ndjson\r\nContent-Length: 100000\r\n\r\n`);
      const trickle = setInterval(() => socket.writable && socket.write('{"a":1}\n'), 100);
      try {
        await answer.until(/(?!)/, 10_000);
      } finally {
        clearInterval(trickle);
      }
      const elapsed = Date.now() - started;
      expect(answer.closed()).toBe(true);
      expect(answer.text()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      expect(JSON.parse(answer.text().split('\r\n\r\n')[1])).toMatchObject({
        code: 'request_timeout',
        message: expect.stringContaining('within 1 s (REQUEST_TIMEOUT_SECONDS'),
        requestId: expect.any(String),
      });
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(elapsed).toBeLessThan(5_000);
      // A request that arrives at once is served as usual.
      expect((await t.request('GET', '/api/health')).status).toBe(200);
    });
  });
});
