import { Injectable } from '@nestjs/common';
import type { EventsIngestResult } from '@loopmeter/shared';
import type { Principal } from '../../auth/principal';
import { AppException } from '../../core/errors/app.exception';
import { IngestCounters } from '../counters/ingest-counters';
import type { RawEventInput } from '../raw-store/raw-event';
import { RawEventWriter } from '../raw-store/raw-event-writer';
import { parseEventsBatch } from './events-batch.parser';

const SOURCE = 'events';

/** `POST /api/events`: validate each event, store the valid ones (one raw row each, deduplicated by id). */
@Injectable()
export class EventsService {
  constructor(private readonly writer: RawEventWriter, private readonly counters: IngestCounters) {}

  async ingest(raw: Buffer, contentType: string, principal: Principal): Promise<EventsIngestResult> {
    let described;
    try {
      described = describeBatch(raw, contentType, principal);
    } catch (error) {
      this.counters.add(SOURCE, 'rejected_invalid');
      throw error;
    }
    const { rows, ids, duplicateInBatch, rejected } = described;
    let outcomes;
    try {
      outcomes = await this.writer.write(rows);
    } catch (error) {
      this.counters.add(SOURCE, error instanceof AppException && error.status === 503 ? 'rejected_unavailable' : 'rejected_invalid', rows.length);
      throw error;
    }
    const accepted: string[] = [];
    const duplicate: string[] = duplicateInBatch;
    outcomes.forEach((outcome, i) => (outcome.outcome === 'inserted' ? accepted : duplicate).push(ids[i]));
    this.counters.add(SOURCE, 'accepted', accepted.length);
    this.counters.add(SOURCE, 'duplicate', duplicate.length);
    this.counters.add(SOURCE, 'rejected_invalid', rejected.length);
    return {
      counts: { received: accepted.length + duplicate.length + rejected.length, accepted: accepted.length, duplicate: duplicate.length, rejected: rejected.length },
      accepted,
      duplicate,
      rejected,
    };
  }
}

/**
 * Parses and validates the body into the raw rows to store and what the answer needs, in a function of its own so
 * the parsed events (zod's copies of every field) are garbage before the write is awaited: kept alive across it,
 * they were copied into the old generation by every young collection meanwhile (docs/benchmarks.md, Ingest).
 */
function describeBatch(raw: Buffer, contentType: string, principal: Principal) {
  const batch = parseEventsBatch(raw, contentType);
  const receivedAt = new Date();
  // One object each for the whole request: the raw store serializes a shared one once, not once per event.
  const headers = {};
  const meta = { tokenId: principal.tokenId ?? null, tokenTeam: principal.team, via: principal.via };
  const rows: RawEventInput[] = new Array(batch.events.length);
  const ids: string[] = new Array(batch.events.length);
  batch.events.forEach(({ event, raw: text }, i) => {
    ids[i] = event.id;
    rows[i] = {
      orgId: principal.orgId,
      source: SOURCE,
      sourceKey: SOURCE,
      integrationId: null,
      deliveryKey: event.id,
      deliveryKeySource: 'event-id',
      eventType: event.type,
      action: null,
      contentType: 'application/json',
      headers,
      meta,
      body: Buffer.from(text, 'utf8'),
      receivedAt,
      status: 'pending',
    };
  });
  return { rows, ids, duplicateInBatch: batch.duplicateInBatch.map((d) => d.id), rejected: batch.rejected };
}
