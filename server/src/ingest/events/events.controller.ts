import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { eventsBatchSchema, eventsIngestResultSchema, type EventsIngestResult } from '@loopmeter/shared';
import { RequireScope } from '../../auth/access.decorator';
import { ApiDoc } from '../../openapi/api-doc.decorator';
import { EventsService } from './events.service';

@Controller('api/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @RequireScope('ingest')
  @HttpCode(200)
  @ApiDoc({
    tag: 'ingest',
    summary: 'Send typed events (insight captured, work started, evidence, decision, deployment, incident, agent run).',
    description: 'A JSON array or NDJSON (application/x-ndjson), up to 10,000 events. Valid events are kept even when others are rejected; an id already stored is reported as duplicate.',
    body: eventsBatchSchema,
    response: eventsIngestResultSchema,
    errors: [400, 413, 415, 503],
  })
  ingest(@Req() req: FastifyRequest): Promise<EventsIngestResult> {
    return this.events.ingest(req.rawBody ?? Buffer.alloc(0), req.headers['content-type'] ?? '', req.principal!);
  }
}
