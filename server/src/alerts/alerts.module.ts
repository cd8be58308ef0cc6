import { Module } from '@nestjs/common';
import { IntegrationsModule } from '../integrations/integrations.module';
import { AlertDeliveryWorker } from './alert-delivery.worker';
import { AlertDestinationsController } from './alert-destinations.controller';
import { AlertDestinationsService } from './alert-destinations.service';

/** Alert destinations and the delivery worker; SecretBox comes from IntegrationsModule (one key, one box). */
@Module({
  imports: [IntegrationsModule],
  controllers: [AlertDestinationsController],
  providers: [AlertDestinationsService, AlertDeliveryWorker],
  exports: [AlertDestinationsService, AlertDeliveryWorker],
})
export class AlertsModule {}
