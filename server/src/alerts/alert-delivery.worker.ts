import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppConfig } from '../core/config/app-config';
import { isDatabaseDown } from '../core/errors/error-response';
import { AlertDestinationsService, type OpenDestination } from './alert-destinations.service';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signatureOf } from './alert-signature';
import { retryAfterMs, retryDelayMs } from './retry-delay';

/** Deliveries sent together per pass. */
const BATCH = 10;
/** A receiver gets this long to answer. */
const TIMEOUT_MS = 10_000;
/** A claimed delivery is someone else's to retry after this (a process that died mid-attempt). */
const LEASE = '2 minutes';
/** The longest sleep: deliveries queued by another server instance are picked up within it. */
const MAX_IDLE_MS = 30_000;
const ERROR_PAUSE_MS = 5_000;

interface ClaimedDelivery {
  org_id: string;
  id: string;
  destination_id: string;
  event: string;
  body: string;
  attempts: number;
}

type AttemptResult = { ok: true; status: number } | { ok: false; status: number | null; error: string; retryAfterMs?: number };

/**
 * Sends queued alert deliveries (the alert_deliveries outbox), in the server process. It claims due deliveries
 * with FOR UPDATE SKIP LOCKED (several servers never send one twice at once), posts them, and records the
 * outcome: delivered on a 2xx, else another attempt after an exponential backoff, until ALERT_MAX_ATTEMPTS.
 * Nothing is held open while a receiver answers. It sleeps until the next delivery is due, or until nudged.
 */
@Injectable()
export class AlertDeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('alert-delivery');
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private nudged = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly destinations: AlertDestinationsService,
    private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    // Only the HTTP server sends alerts; the CLI and `npm run worker` build the same modules without one.
    if (this.adapterHost.httpAdapter) this.start();
  }

  /** Before the database closes: a pass in flight finishes first. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** New deliveries were queued: send them now rather than at the next wake-up. */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let pause: number;
      try {
        this.nudged = false;
        const claimed = await this.deliverDue();
        pause = claimed > 0 ? 0 : await this.msUntilNextDue();
      } catch (error) {
        pause = ERROR_PAUSE_MS;
        if (!isDatabaseDown(error)) this.logger.error({ msg: 'alert delivery pass failed', err: (error as Error).message });
      }
      if (!this.running) break;
      if (this.nudged) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** One pass: claim the due deliveries, send them, record each outcome. Returns how many were claimed. */
  async deliverDue(): Promise<number> {
    // An UPDATE answers [rows, count] through TypeORM.
    const [claimed]: [ClaimedDelivery[], number] = await this.dataSource.query(
      `UPDATE alert_deliveries d SET attempts = d.attempts + 1, last_attempt_at = now(), next_attempt_at = now() + interval '${LEASE}'
       FROM (SELECT org_id, id FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
             ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED) due
       WHERE d.org_id = due.org_id AND d.id = due.id
       RETURNING d.org_id, d.id, d.destination_id, d.event, d.body, d.attempts`,
      [BATCH],
    );
    if (claimed.length === 0) return 0;
    const destinations = await this.destinations.open(claimed.map((c) => ({ orgId: c.org_id, id: c.destination_id })));
    const results = await Promise.all(
      claimed.map(async (delivery) => {
        const destination = destinations.get(`${delivery.org_id}|${delivery.destination_id}`);
        // Deleted since it was claimed: its deliveries went with it.
        return destination ? { delivery, result: await this.send(destination, delivery) } : undefined;
      }),
    );
    for (const outcome of results) if (outcome) await this.record(outcome.delivery, outcome.result);
    return claimed.length;
  }

  private async send(destination: OpenDestination, delivery: ClaimedDelivery): Promise<AttemptResult> {
    if (destination.unreadable !== undefined) return { ok: false, status: null, error: destination.unreadable };
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': `Loopmeter-Alerts/${this.config.version}` };
    if (destination.kind === 'webhook') {
      headers[EVENT_HEADER] = delivery.event;
      headers[DELIVERY_HEADER] = delivery.id;
      if (destination.secret !== null) headers[SIGNATURE_HEADER] = signatureOf(destination.secret, delivery.body);
    }
    try {
      // Redirects are not followed: the signed body goes to the configured address or nowhere.
      const response = await fetch(destination.url, { method: 'POST', headers, body: delivery.body, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
      return { ok: false, status: response.status, error: `the receiver answered HTTP ${response.status}`, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
    } catch (error) {
      // Never the URL in the message: a Slack webhook URL is a credential.
      return { ok: false, status: null, error: describeFetchError(error) };
    }
  }

  private async record(delivery: ClaimedDelivery, result: AttemptResult): Promise<void> {
    const key = [delivery.org_id, delivery.id];
    if (result.ok) {
      await this.dataSource.query(
        `UPDATE alert_deliveries SET status = 'delivered', delivered_at = now(), last_status_code = $3, last_error = NULL WHERE org_id = $1 AND id = $2`,
        [...key, result.status],
      );
      return;
    }
    const attemptsLeft = delivery.attempts < this.config.alertMaxAttempts;
    const delayMs = retryDelayMs(delivery.attempts, this.config.alertRetryBaseMs, result.retryAfterMs);
    await this.dataSource.query(
      `UPDATE alert_deliveries SET status = $3, last_status_code = $4, last_error = $5,
              next_attempt_at = CASE WHEN $3 = 'pending' THEN now() + $6 * interval '1 millisecond' ELSE next_attempt_at END
       WHERE org_id = $1 AND id = $2`,
      [...key, attemptsLeft ? 'pending' : 'failed', result.status, result.error, delayMs],
    );
    this.logger.warn({ msg: attemptsLeft ? 'alert delivery failed, will retry' : 'alert delivery failed for good', delivery: delivery.id, attempts: delivery.attempts, err: result.error });
  }

  private async msUntilNextDue(): Promise<number> {
    const rows: Array<{ ms: string | number | null }> = await this.dataSource.query(
      `SELECT extract(epoch FROM (min(next_attempt_at) - now())) * 1000 AS ms FROM alert_deliveries WHERE status = 'pending'`,
    );
    const ms = rows[0]?.ms;
    return ms === null || ms === undefined ? MAX_IDLE_MS : Math.min(MAX_IDLE_MS, Math.max(10, Math.ceil(Number(ms))));
  }
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${TIMEOUT_MS / 1000} s`;
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
  return cause?.code ? `could not connect (${cause.code})` : 'could not reach the receiver';
}
