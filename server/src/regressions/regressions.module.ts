import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { RegressionsController } from './regressions.controller';
import { RegressionsScheduler } from './regressions.scheduler';
import { RegressionsService } from './regressions.service';

@Module({ imports: [AlertsModule], controllers: [RegressionsController], providers: [RegressionsService, RegressionsScheduler], exports: [RegressionsService] })
export class RegressionsModule {}
