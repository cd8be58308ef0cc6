import { Module } from '@nestjs/common';
import { IntegrationsModule } from '../integrations/integrations.module';
import { IngestCounters } from './counters/ingest-counters';
import { IngestStatsController } from './counters/ingest-stats.controller';
import { EventsController } from './events/events.controller';
import { EventsService } from './events/events.service';
import { RawEventWriter } from './raw-store/raw-event-writer';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhooksService } from './webhooks/webhooks.service';

@Module({
  imports: [IntegrationsModule],
  controllers: [WebhooksController, EventsController, IngestStatsController],
  providers: [RawEventWriter, IngestCounters, WebhooksService, EventsService],
  exports: [RawEventWriter, IngestCounters],
})
export class IngestModule {}
