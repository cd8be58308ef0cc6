import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AgentsModule } from './agents/agents.module';
import { AlertsModule } from './alerts/alerts.module';
import { AuditModule } from './audit/audit.module';
import { AuthGuard } from './auth/auth.guard';
import { AuthModule } from './auth/auth.module';
import { LocalCliCredential } from './auth/local-cli-credential';
import type { AppConfig } from './core/config/app-config';
import { ConfigModule } from './core/config/config.module';
import type { DatabaseTarget } from './core/database/data-source';
import { DatabaseModule } from './core/database/database.module';
import { DemoModule } from './demo/demo.module';
import { AllExceptionsFilter } from './core/errors/all-exceptions.filter';
import { ExperimentsModule } from './experiments/experiments.module';
import { ExportModule } from './export/export.module';
import { HealthModule } from './health/health.module';
import { IngestModule } from './ingest/ingest.module';
import { IntegrationsModule } from './integrations/integrations.module';
import { MetricsModule } from './metrics/metrics.module';
import { OpenApiModule } from './openapi/openapi.module';
import { PipelineModule } from './pipeline/pipeline.module';
import { RegressionsModule } from './regressions/regressions.module';
import { TeamsModule } from './teams/teams.module';
import { TokensModule } from './tokens/tokens.module';
import { UsersModule } from './users/users.module';
import { WebModule } from './web/web.module';

export interface AppModuleOptions {
  config: AppConfig;
  database: DatabaseTarget;
  /** Embedded mode: the credential the local CLI uses to reach this server. */
  localCli?: LocalCliCredential;
}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: APP_FILTER, useClass: AllExceptionsFilter },
      { provide: APP_GUARD, useClass: AuthGuard },
    ];
    if (options.localCli) providers.push({ provide: LocalCliCredential, useValue: options.localCli });
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(options.config),
        DatabaseModule.forRoot(options.database),
        HealthModule,
        TokensModule,
        IntegrationsModule,
        TeamsModule,
        IngestModule,
        PipelineModule,
        AgentsModule,
        MetricsModule,
        DemoModule,
        ExperimentsModule,
        AlertsModule,
        RegressionsModule,
        AuditModule,
        UsersModule,
        AuthModule,
        ExportModule,
        OpenApiModule,
        // Last: its catch-all GET route must not shadow the API's routes.
        WebModule,
      ],
      providers,
    };
  }
}
