import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pushPayload } from '../support/github-payloads';
import { createGithubIntegration } from './support/admin';
import { endingOf, githubHeaders, openSocket, smallDelivery, type Ending } from './support/raw-http';
import { spawnServer, type ServerProcess } from './support/server-process';

/**
 * REQUEST_TIMEOUT_SECONDS against the built server (embedded database, as `npm start` runs it), set low: senders
 * that trickle a body (complete headers, then a few bytes at a time, never finishing) and senders that trickle
 * their headers are answered 408 and disconnected once their request has taken the timeout, while requests on other
 * connections keep being served, including one that arrives slowly but within the timeout.
 */
const TIMEOUT_SECONDS = 3;
const BODY_TRICKLERS = 20;
const HEADER_TRICKLERS = 20;
/** Node checks the timeouts every tenth of the timeout (at least every 0.5 s); the rest is slack for a loaded machine. */
const CUT_BOUND_MS = TIMEOUT_SECONDS * 1000 + 500 + 4_000;

let server: ServerProcess | undefined;
let dataDir: string;
const sockets = new Set<Socket>();

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'loopmeter-timeout-'));
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await server?.kill('SIGKILL');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

it(`cuts off senders that trickle a request past REQUEST_TIMEOUT_SECONDS=${TIMEOUT_SECONDS} with 408, and keeps serving the others`, async () => {
  server = await spawnServer({ dataDir, env: { REQUEST_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS), PIPELINE_WORKER: 'off' } });
  const { port, url } = server;
  const integration = await createGithubIntegration(url);
  let n = 0;
  expect(await smallDelivery(url, integration, ++n)).toBe(200);

  // Probes on their own connections: health and a small delivery, back to back every 200 ms.
  let probing = true;
  const probes: Array<{ what: string; status: number | string; ms: number }> = [];
  const prober = (async () => {
    while (probing) {
      for (const [what, call] of [
        ['health', () => fetch(`${url}/api/health`, { signal: AbortSignal.timeout(30_000) }).then(async (r) => (await r.text(), r.status))],
        ['delivery', () => smallDelivery(url, integration, ++n)],
      ] as const) {
        const started = Date.now();
        const status = await call().catch((e: Error) => `error ${e.message}`);
        probes.push({ what, status, ms: Date.now() - started });
      }
      await sleep(200);
    }
  })();

  // Body tricklers: a signed delivery announcing 1 MiB, then 16 bytes every 250 ms (never idle, never done).
  const started = Date.now();
  const bodySockets = await Promise.all(Array.from({ length: BODY_TRICKLERS }, () => openSocket(port, sockets)));
  const bodyEndings = bodySockets.map(endingOf);
  for (const s of bodySockets) s.write(githubHeaders(integration, Buffer.from('x'), `Content-Length: ${1024 * 1024}\r\n`));
  // Header tricklers (slowloris): a request line, then a header byte every 250 ms.
  const headerSockets = await Promise.all(Array.from({ length: HEADER_TRICKLERS }, () => openSocket(port, sockets)));
  const headerEndings = headerSockets.map(endingOf);
  for (const s of headerSockets) s.write(`POST /webhooks/github/${integration.id} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `);
  let trickling = true;
  const trickle = (async () => {
    while (trickling) {
      for (const s of bodySockets) if (s.writable) s.write('{"aaaaaaaaaaaaa"');
      for (const s of headerSockets) if (s.writable) s.write('a');
      await sleep(250);
    }
  })();

  // A slow sender within the timeout: a valid delivery written in 5 pieces over about 1.2 s, then complete.
  const slowButInTime = (async () => {
    const body = Buffer.from(JSON.stringify(pushPayload({ repo: 'acme/slow', branch: 'in-time', after: 'f'.repeat(40), commits: [] })));
    const s = await openSocket(port, sockets);
    const ending = endingOf(s);
    s.write(githubHeaders(integration, body, `Content-Length: ${body.length}\r\nConnection: close\r\n`));
    const piece = Math.ceil(body.length / 5);
    for (let at = 0; at < body.length; at += piece) {
      await sleep(300);
      s.write(body.subarray(at, at + piece));
    }
    return ending;
  })();

  const cut = async (endings: Array<Promise<Ending>>) => (await Promise.race([Promise.all(endings), sleep(CUT_BOUND_MS + 10_000).then(() => 'not cut off' as const)]));
  const [bodyCut, headerCut, inTime] = await Promise.all([cut(bodyEndings), cut(headerEndings), slowButInTime]);
  trickling = false;
  await trickle;
  await sleep(1_000);
  probing = false;
  await prober;

  expect(bodyCut).not.toBe('not cut off');
  expect(headerCut).not.toBe('not cut off');
  const endings = [...(bodyCut as Ending[]), ...(headerCut as Ending[])];
  const after = endings.map((e) => e.closedAt - started);
  const worst = (what: string) => Math.max(...probes.filter((p) => p.what === what).map((p) => p.ms));
  const tally = (xs: string[]) => Object.fromEntries([...new Set(xs)].map((x) => [x, xs.filter((y) => y === x).length]));
  process.stdout.write(
    `request-timeout: ${BODY_TRICKLERS} body and ${HEADER_TRICKLERS} header tricklers answered ${JSON.stringify(tally(endings.map((e) => e.status)))}, ` +
      `disconnected after ${Math.min(...after)}–${Math.max(...after)} ms (timeout ${TIMEOUT_SECONDS} s); slow sender within the timeout: ${inTime.status}; ` +
      `${probes.length} probes ${JSON.stringify(tally(probes.map((p) => String(p.status))))}, worst health ${worst('health')} ms, worst delivery ${worst('delivery')} ms\n`,
  );

  // Every trickler is answered 408 in the API's error shape and disconnected, not before the timeout, soon after it.
  expect(tally(endings.map((e) => e.status))).toEqual({ '408': BODY_TRICKLERS + HEADER_TRICKLERS });
  for (const e of endings) {
    expect(JSON.parse(e.body)).toMatchObject({ code: 'request_timeout', message: expect.stringContaining(`within ${TIMEOUT_SECONDS} s (REQUEST_TIMEOUT_SECONDS`) });
  }
  expect(Math.min(...after)).toBeGreaterThanOrEqual(TIMEOUT_SECONDS * 1000 - 100);
  expect(Math.max(...after)).toBeLessThan(CUT_BOUND_MS);
  expect([...bodySockets, ...headerSockets].filter((s) => !s.destroyed)).toEqual([]);
  // The slow sender that finished within the timeout was served.
  expect(inTime.status).toBe('200');
  // Requests on other connections were served all along, promptly.
  expect(probes.filter((p) => p.status !== 200)).toEqual([]);
  expect(probes.length).toBeGreaterThan(10);
  expect(worst('health')).toBeLessThan(3_000);
  expect(worst('delivery')).toBeLessThan(3_000);
  expect(await smallDelivery(url, integration, ++n)).toBe(200);
  expect(server.child.exitCode).toBeNull();
});
