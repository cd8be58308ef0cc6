import { createHash, createHmac, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { issuesPayload, pullRequestPayload, pushPayload } from '../../support/github-payloads';

/**
 * Senders that behave like GitHub under load: several concurrent loops deliver signed webhooks, each with its own
 * X-GitHub-Delivery id, and retry (same id, same bytes) every delivery that was not acknowledged: a connection error
 * while the server is down, a 503 while the database is. A delivery is acknowledged by a 200 (`accepted` or
 * `duplicate`: a duplicate means an earlier try was stored but its answer lost).
 */
export interface Delivery {
  id: string;
  event: 'push' | 'pull_request' | 'issues';
  /** The PR or issue number, or the pushed sha: what the pipeline must project exactly once. */
  subject: string;
  body: Buffer;
  sha256: string;
  tries: number;
  /** When it was first acknowledged, and how. */
  ackedAs?: 'accepted' | 'duplicate';
}

export interface Integration {
  id: string;
  secret: string;
}

const REPO = 'acme/reliability';

export class SustainedIngest {
  readonly deliveries: Delivery[] = [];
  readonly unacked = new Set<Delivery>();
  /** Answers by status (or `connection` for a failed connection, `timeout` for no answer in 15 s). */
  readonly answers = new Map<string, number>();
  readonly retryAfter: string[] = [];
  /** Unexpected answers (anything but 200, 503 and connection errors), with their bodies. */
  readonly unexpected: string[] = [];
  private readonly inFlight = new Set<Delivery>();
  private running = false;
  private loops: Array<Promise<void>> = [];
  private next = 1;
  private acksSince = 0;

  constructor(private readonly baseUrl: () => string, private readonly integration: Integration, private readonly concurrency = 6) {}

  get acked(): Delivery[] {
    return this.deliveries.filter((d) => d.ackedAs);
  }

  /** Acknowledgements since the last call (to see ingest resume). */
  takeAckCount(): number {
    const n = this.acksSince;
    this.acksSince = 0;
    return n;
  }

  start(): void {
    this.running = true;
    for (let i = 0; i < this.concurrency; i++) this.loops.push(this.loop());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
  }

  /** Retries every unacknowledged delivery until acknowledged or the time is up. */
  async flush(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.unacked.size > 0 && Date.now() < deadline) {
      for (const delivery of [...this.unacked]) if (!this.inFlight.has(delivery)) await this.send(delivery);
      if (this.unacked.size > 0) await sleep(200);
    }
  }

  private async loop(): Promise<void> {
    while (this.running) {
      // Retries first, as a sender's queue would.
      const retry = [...this.unacked].find((d) => d.tries > 0 && !this.inFlight.has(d));
      const delivery = retry ?? this.newDelivery();
      const ok = await this.send(delivery);
      if (!ok) await sleep(100);
    }
  }

  private newDelivery(): Delivery {
    const n = this.next++;
    const at = new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString();
    const kind = n % 3;
    let event: Delivery['event'];
    let subject: string;
    let payload: Record<string, unknown>;
    if (kind === 0) {
      const sha = createHash('sha1').update(`commit-${n}`).digest('hex');
      event = 'push';
      subject = sha;
      payload = pushPayload({ repo: REPO, branch: `load/${n}`, after: sha, commits: [{ id: sha, message: `Change ${n}`, timestamp: at }] });
    } else if (kind === 1) {
      event = 'pull_request';
      subject = String(n);
      payload = pullRequestPayload({ repo: REPO, action: 'opened', number: n, title: `Change ${n}`, headRef: `load/${n}`, headSha: createHash('sha1').update(`pr-${n}`).digest('hex'), createdAt: at, updatedAt: at });
    } else {
      event = 'issues';
      subject = String(n);
      payload = issuesPayload({ repo: REPO, action: 'opened', number: n, title: `Request ${n}`, labels: n % 2 ? ['customer-request'] : [], createdAt: at, updatedAt: at });
    }
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    const delivery: Delivery = { id: randomUUID(), event, subject, body, sha256: createHash('sha256').update(body).digest('hex'), tries: 0 };
    this.deliveries.push(delivery);
    this.unacked.add(delivery);
    return delivery;
  }

  private count(key: string): void {
    this.answers.set(key, (this.answers.get(key) ?? 0) + 1);
  }

  /** One try; true when acknowledged. */
  private async send(delivery: Delivery): Promise<boolean> {
    this.inFlight.add(delivery);
    try {
      return await this.sendOnce(delivery);
    } finally {
      this.inFlight.delete(delivery);
    }
  }

  private async sendOnce(delivery: Delivery): Promise<boolean> {
    delivery.tries++;
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl()}/webhooks/github/${this.integration.id}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'GitHub-Hookshot/044aadd',
          'x-github-event': delivery.event,
          'x-github-delivery': delivery.id,
          'x-github-hook-id': '292430182',
          'x-hub-signature-256': `sha256=${createHmac('sha256', this.integration.secret).update(delivery.body).digest('hex')}`,
        },
        body: delivery.body,
        signal: AbortSignal.timeout(15_000),
      });
    } catch (e) {
      this.count((e as Error).name === 'TimeoutError' ? 'timeout' : 'connection');
      return false;
    }
    const text = await res.text().catch(() => '');
    this.count(String(res.status));
    if (res.status === 503) {
      this.retryAfter.push(res.headers.get('retry-after') ?? '');
      return false;
    }
    if (res.status !== 200) {
      this.unexpected.push(`${res.status} ${text.slice(0, 300)}`);
      return false;
    }
    const status = (JSON.parse(text) as { status: string }).status;
    if (status !== 'accepted' && status !== 'duplicate') {
      this.unexpected.push(`200 ${text.slice(0, 300)}`);
      return false;
    }
    if (!delivery.ackedAs) {
      delivery.ackedAs = status;
      this.acksSince++;
    }
    this.unacked.delete(delivery);
    return true;
  }
}

export const LOAD_REPO = REPO;
