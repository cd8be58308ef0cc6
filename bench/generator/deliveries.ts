import { createHash, createHmac } from 'node:crypto';
import type { GeneratedEvent } from './generate';

/** GitHub's X-GitHub-Hook-ID of the synthetic org's webhook. */
export const DEMO_HOOK_ID = '512300001';

/** Where deliveries go: the integrations (id and secret) and the ingest token for OTLP and events. */
export interface DeliveryTargets {
  github: { id: string; secret: string };
  linear: { id: string; secret: string };
  ingestToken: string;
}

export interface HttpDelivery {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

const hmacHex = (secret: string, body: Buffer) => createHmac('sha256', secret).update(body).digest('hex');

/** The request a source sends for the event, signed as the source signs (Linear's timestamp is the sending time). */
export function httpDeliveryOf(event: Exclude<GeneratedEvent, { source: 'events' }>, targets: DeliveryTargets, sentAt: Date): HttpDelivery {
  switch (event.source) {
    case 'github': {
      const body = Buffer.from(JSON.stringify(event.payload));
      return {
        path: `/webhooks/github/${targets.github.id}`,
        body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'GitHub-Hookshot/044aadd',
          'x-github-event': event.event,
          'x-github-delivery': event.deliveryId,
          'x-github-hook-id': DEMO_HOOK_ID,
          'x-github-hook-installation-target-type': 'organization',
          'x-github-hook-installation-target-id': '90000000',
          'x-hub-signature': `sha1=${createHmac('sha1', targets.github.secret).update(body).digest('hex')}`,
          'x-hub-signature-256': `sha256=${hmacHex(targets.github.secret, body)}`,
        },
      };
    }
    case 'linear': {
      const body = Buffer.from(JSON.stringify({ ...event.payload, webhookTimestamp: sentAt.getTime() }));
      return {
        path: `/webhooks/linear/${targets.linear.id}`,
        body,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Linear-Webhook',
          'linear-delivery': event.deliveryId,
          'linear-event': 'Issue',
          'linear-signature': hmacHex(targets.linear.secret, body),
        },
      };
    }
    case 'otlp':
      return {
        path: '/v1/logs',
        body: Buffer.from(JSON.stringify(event.payload)),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${targets.ingestToken}`, 'user-agent': 'OTel-OTLP-Exporter-JavaScript/0.223.0' },
      };
  }
}

/** A raw_events row, as the ingest path writes it (signatures are checked before the raw store, so none here). */
export interface RawEventRow {
  source: string;
  sourceKey: string;
  integrationId: string | null;
  deliveryKey: string;
  deliveryKeySource: string;
  eventType: string;
  action: string | null;
  contentType: string;
  headers: Record<string, string>;
  meta: Record<string, unknown>;
  body: Buffer;
  receivedAt: Date;
}

const KEPT = {
  github: ['x-github-event', 'x-github-delivery', 'x-github-hook-id', 'x-github-hook-installation-target-type', 'x-github-hook-installation-target-id', 'user-agent', 'content-type'],
  linear: ['linear-delivery', 'linear-event', 'user-agent', 'content-type'],
};

function pick(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter((n) => headers[n] !== undefined).map((n) => [n, headers[n]]));
}

function actionOf(payload: Record<string, unknown>): string | null {
  return typeof payload.action === 'string' ? payload.action : null;
}

/**
 * The raw_events row the ingest path would store for the event, received when it happened (so create events,
 * which carry no time, get their real time). `meta` carries `demo: true` when asked, so the rows can be removed.
 */
export function rawEventRowOf(event: GeneratedEvent, ids: { github: string; linear: string }, meta: Record<string, unknown>): RawEventRow {
  if (event.source === 'events') {
    const body = Buffer.from(JSON.stringify(event.payload));
    return {
      source: 'events', sourceKey: 'events', integrationId: null, deliveryKey: String(event.payload.id), deliveryKeySource: 'event-id', eventType: String(event.payload.type), action: null,
      contentType: 'application/json', headers: {}, meta: { tokenId: null, tokenTeam: null, via: 'token', ...meta }, body, receivedAt: event.at,
    };
  }
  const targets: DeliveryTargets = { github: { id: ids.github, secret: 'unused' }, linear: { id: ids.linear, secret: 'unused' }, ingestToken: 'unused' };
  const delivery = httpDeliveryOf(event, targets, event.at);
  if (event.source === 'otlp') {
    const records = (event.payload.resourceLogs as Array<{ scopeLogs: Array<{ logRecords: unknown[] }> }>).reduce((n, r) => n + r.scopeLogs.reduce((m, s) => m + s.logRecords.length, 0), 0);
    return {
      source: 'otlp', sourceKey: 'otlp', integrationId: null, deliveryKey: createHash('sha256').update(delivery.body).digest('hex'), deliveryKeySource: 'body-sha256', eventType: 'logs', action: null,
      contentType: 'application/json', headers: pick(delivery.headers, ['content-type', 'user-agent']), meta: { tokenId: null, tokenTeam: event.team, via: 'token', records, rejected: 0, ...meta }, body: delivery.body, receivedAt: event.at,
    };
  }
  if (event.source === 'github') {
    return {
      source: 'github', sourceKey: ids.github, integrationId: ids.github, deliveryKey: `${DEMO_HOOK_ID}:${event.deliveryId}`, deliveryKeySource: 'x-github-hook-id+x-github-delivery', eventType: event.event,
      action: actionOf(event.payload), contentType: 'application/json', headers: pick(delivery.headers, KEPT.github), meta: { ...meta }, body: delivery.body, receivedAt: event.at,
    };
  }
  return {
    source: 'linear', sourceKey: ids.linear, integrationId: ids.linear, deliveryKey: event.deliveryId, deliveryKeySource: 'linear-delivery', eventType: 'Issue',
    action: actionOf(event.payload), contentType: 'application/json; charset=utf-8', headers: pick(delivery.headers, KEPT.linear), meta: { ...meta }, body: delivery.body, receivedAt: event.at,
  };
}
