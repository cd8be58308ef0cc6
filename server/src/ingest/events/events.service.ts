import { Injectable } from '@nestjs/common';
import type { EventsIngestResult } from '@loopmeter/shared';
import type { Principal } from '../../auth/principal';
import { AppException } from '../../core/errors/app.exception';
import { IngestCounters } from '../counters/ingest-counters';
import { RawEventWriter } from '../raw-store/raw-event-writer';
import { parseEventsBatch } from './events-batch.parser';

const SOURCE = 'events';

/** `POST /api/events`: validate each event, store the valid ones (one raw row each, deduplicated by id). */
@Injectable()
export class EventsService {
  constructor(private readonly writer: RawEventWriter, private readonly counters: IngestCounters) {}

  async ingest(raw: Buffer, contentType: string, principal: Principal): Promise<EventsIngestResult> {
    let batch;
    try {
      batch = parseEventsBatch(raw, contentType);
    } catch (error) {
      this.counters.add(SOURCE, 'rejected_invalid');
      throw error;
    }
    const receivedAt = new Date();
    let outcomes;
    try {
      outcomes = await this.writer.write(
        batch.events.map(({ event, raw: text }) => ({
          orgId: principal.orgId,
          source: SOURCE,
          sourceKey: SOURCE,
          integrationId: null,
          deliveryKey: event.id,
          deliveryKeySource: 'event-id',
          eventType: event.type,
          action: null,
          contentType: 'application/json',
          headers: {},
          meta: { tokenId: principal.tokenId ?? null, tokenTeam: principal.team, via: principal.via },
          body: Buffer.from(text, 'utf8'),
          receivedAt,
          status: 'pending' as const,
        })),
      );
    } catch (error) {
      this.counters.add(SOURCE, error instanceof AppException && error.status === 503 ? 'rejected_unavailable' : 'rejected_invalid', batch.events.length);
      throw error;
    }
    const accepted: string[] = [];
    const duplicate: string[] = batch.duplicateInBatch.map((d) => d.id);
    outcomes.forEach((outcome, i) => (outcome.outcome === 'inserted' ? accepted : duplicate).push(batch.events[i].event.id));
    this.counters.add(SOURCE, 'accepted', accepted.length);
    this.counters.add(SOURCE, 'duplicate', duplicate.length);
    this.counters.add(SOURCE, 'rejected_invalid', batch.rejected.length);
    return {
      counts: { received: accepted.length + duplicate.length + batch.rejected.length, accepted: accepted.length, duplicate: duplicate.length, rejected: batch.rejected.length },
      accepted,
      duplicate,
      rejected: batch.rejected,
    };
  }
}
