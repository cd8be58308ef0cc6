import { createHmac, randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { pushPayload } from '../../support/github-payloads';
import type { Integration } from './sustained-ingest';

/**
 * HTTP/1.1 written by hand on raw sockets, for senders no HTTP client would be: headers or bodies trickled, bodies
 * over the limit streamed anyway. Every socket opened is added to `sockets` (and removed when closed) so a test can
 * destroy what is left in afterAll.
 */
export function openSocket(port: number, sockets: Set<Socket>): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.on('error', () => undefined);
    socket.setMaxListeners(0);
    socket.once('error', reject);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
}

/** The status the server answered on this socket, as soon as its status line arrives (or `closed`). */
export function answerOf(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const line = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (line) resolve(line[1]);
    });
    socket.on('close', () => resolve(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 'closed'));
  });
}

export interface Ending {
  /** The status answered (`none` when the server closed without answering). */
  status: string;
  /** The answer's body. */
  body: string;
  /** When the server closed the connection (Date.now()). */
  closedAt: number;
}

/** Everything the server wrote on this socket until it closed it. */
export function endingOf(socket: Socket): Promise<Ending> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    socket.on('close', () => resolve({ status: /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 'none', body: text.slice(text.indexOf('\r\n\r\n') + 4), closedAt: Date.now() }));
  });
}

/** Writes as fast as the socket takes it, until `total` bytes or the server stops reading (it answered and closed). */
export async function stream(socket: Socket, total: number, chunked: boolean): Promise<void> {
  const block = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  while (sent < total && !socket.destroyed && socket.writable) {
    const piece = chunked ? Buffer.concat([Buffer.from(`${block.length.toString(16)}\r\n`), block, Buffer.from('\r\n')]) : block;
    const ok = socket.write(piece);
    sent += block.length;
    if (!ok) await Promise.race([new Promise((r) => socket.once('drain', r)), new Promise((r) => socket.once('close', r)), sleep(5_000)]);
  }
  if (chunked && socket.writable) socket.write('0\r\n\r\n');
}

/** The request line and headers of a signed GitHub push delivery of `body`, with `extra` header lines. */
export function githubHeaders(integration: Integration, body: Buffer, extra: string): string {
  return (
    `POST /webhooks/github/${integration.id} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\n` +
    `X-GitHub-Delivery: ${randomUUID()}\r\nX-Hub-Signature-256: sha256=${createHmac('sha256', integration.secret).update(body).digest('hex')}\r\n${extra}\r\n`
  );
}

/** A small, valid, signed push delivery through fetch (a new body each call); resolves with the status. */
export async function smallDelivery(url: string, integration: Integration, n: number): Promise<number> {
  const body = Buffer.from(JSON.stringify(pushPayload({ repo: 'acme/slow', branch: `b${n}`, after: n.toString(16).padStart(40, '0'), commits: [] })));
  const res = await fetch(`${url}/webhooks/github/${integration.id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': `sha256=${createHmac('sha256', integration.secret).update(body).digest('hex')}` },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  await res.text();
  return res.status;
}
