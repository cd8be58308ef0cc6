import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../core/config/app-config';
import { loadEncryptionKey, SecretBox } from '../core/crypto/secret-box';
import { IntegrationSecretEntity } from './integration-secret.entity';
import { IntegrationEntity } from './integration.entity';
import { IntegrationsController } from './integrations.controller';
import { IntegrationsService } from './integrations.service';

@Module({
  imports: [TypeOrmModule.forFeature([IntegrationEntity, IntegrationSecretEntity])],
  controllers: [IntegrationsController],
  providers: [
    IntegrationsService,
    { provide: SecretBox, inject: [AppConfig], useFactory: (config: AppConfig) => new SecretBox(loadEncryptionKey(config.encryptionKey, config.dataDir)) },
  ],
  exports: [IntegrationsService, SecretBox],
})
export class IntegrationsModule {}
