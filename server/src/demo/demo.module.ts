import { Module } from '@nestjs/common';
import { IntegrationsModule } from '../integrations/integrations.module';
import { MetricsModule } from '../metrics/metrics.module';
import { PipelineModule } from '../pipeline/pipeline.module';
import { ReprocessService } from '../pipeline/reprocess/reprocess.service';
import { TokensModule } from '../tokens/tokens.module';
import { DemoController } from './demo.controller';
import { DemoService } from './demo.service';

@Module({ imports: [IntegrationsModule, TokensModule, PipelineModule, MetricsModule], controllers: [DemoController], providers: [DemoService, ReprocessService], exports: [DemoService] })
export class DemoModule {}
