import type { GeneratedEvent } from './generate';
import { httpDeliveryOf, type DeliveryTargets } from './deliveries';

export interface SendOptions {
  baseUrl: string;
  targets: DeliveryTargets;
  /** Requests in flight at once. */
  concurrency?: number;
  onProgress?: (sent: number) => void;
}

export interface SendReport {
  sent: number;
  /** Answers by HTTP status. */
  statuses: Record<string, number>;
  /** The first few refusals, for the error message. */
  failures: string[];
}

/** Generic events go in NDJSON requests of up to this many events. */
const EVENTS_PER_REQUEST = 200;

/**
 * Sends the events through the real endpoints, as the sources do: signed GitHub and Linear webhooks to the
 * integrations, OTLP/JSON logs and generic events with the ingest token. Stops at nothing: every answer is
 * counted, and the report says what was refused.
 */
export async function sendEvents(events: Iterable<GeneratedEvent>, options: SendOptions): Promise<SendReport> {
  const report: SendReport = { sent: 0, statuses: {}, failures: [] };
  const concurrency = options.concurrency ?? 8;
  const inFlight = new Set<Promise<void>>();
  let pendingEvents: GeneratedEvent[] = [];

  const post = async (path: string, headers: Record<string, string>, body: Buffer, count: number) => {
    let status = 0;
    let text = '';
    try {
      const response = await fetch(options.baseUrl + path, { method: 'POST', headers, body });
      status = response.status;
      text = await response.text();
    } catch (error) {
      text = (error as Error).message;
    }
    report.statuses[String(status)] = (report.statuses[String(status)] ?? 0) + 1;
    if ((status < 200 || status >= 300) && report.failures.length < 5) report.failures.push(`${path} → ${status}: ${text.slice(0, 300)}`);
    report.sent += count;
    options.onProgress?.(report.sent);
  };
  const schedule = async (task: () => Promise<void>) => {
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    const promise = task().finally(() => inFlight.delete(promise));
    inFlight.add(promise);
  };
  const flushEvents = async () => {
    if (pendingEvents.length === 0) return;
    const body = Buffer.from(pendingEvents.map((e) => JSON.stringify(e.payload)).join('\n') + '\n');
    const count = pendingEvents.length;
    pendingEvents = [];
    await schedule(() => post('/api/events', { 'content-type': 'application/x-ndjson', authorization: `Bearer ${options.targets.ingestToken}` }, body, count));
  };

  for (const event of events) {
    if (event.source === 'events') {
      pendingEvents.push(event);
      if (pendingEvents.length >= EVENTS_PER_REQUEST) await flushEvents();
      continue;
    }
    await schedule(() => {
      // Signed when sent: Linear's webhookTimestamp must be within 60 s of the receiver's clock.
      const delivery = httpDeliveryOf(event, options.targets, new Date());
      return post(delivery.path, delivery.headers, delivery.body, 1);
    });
  }
  await flushEvents();
  await Promise.all(inFlight);
  return report;
}
