import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { OtlpReceiverService } from './otlp/otlp-receiver.service';
import { OtlpController } from './otlp/otlp.controller';
import { AgentSessionsController } from './sessions/agent-sessions.controller';
import { AgentSessionsService } from './sessions/agent-sessions.service';
import { AgentUsageController } from './usage/agent-usage.controller';
import { AgentUsageService } from './usage/agent-usage.service';
import { UsageImportService } from './usage/usage-import.service';
import { UsagePullService } from './usage/usage-pull.service';

/**
 * Agent telemetry: the OTLP/HTTP receiver and the agent sessions API (the pipeline normalizes in between), and
 * vendor usage reports (imported or pulled into the raw store, read back as daily usage facts).
 */
@Module({
  imports: [IngestModule],
  controllers: [OtlpController, AgentSessionsController, AgentUsageController],
  providers: [OtlpReceiverService, AgentSessionsService, AgentUsageService, UsageImportService, UsagePullService],
  exports: [UsageImportService, UsagePullService],
})
export class AgentsModule {}
