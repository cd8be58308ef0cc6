import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { TeamsModule } from '../teams/teams.module';
import { PipelineStatsController } from './pipeline-stats.controller';
import { PipelineWorker } from './pipeline-worker';
import { PipelineService } from './pipeline.service';
import { ReprocessController } from './reprocess/reprocess.controller';
import { ReprocessService } from './reprocess/reprocess.service';

@Module({ imports: [IngestModule, TeamsModule], controllers: [PipelineStatsController, ReprocessController], providers: [PipelineService, PipelineWorker, ReprocessService], exports: [PipelineService, PipelineWorker] })
export class PipelineModule {}
