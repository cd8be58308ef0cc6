import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { RollupsController } from './rollups/rollups.controller';
import { RollupsService } from './rollups/rollups.service';

@Module({ controllers: [MetricsController, RollupsController], providers: [MetricsService, RollupsService], exports: [MetricsService, RollupsService] })
export class MetricsModule {}
