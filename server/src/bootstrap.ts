import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyStatic from '@fastify/static';
import type { Logger as Pino } from 'pino';
import { getAbsoluteFSPath } from 'swagger-ui-dist';
import { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { AuditService } from './audit/audit.service';
import { recordSettingsChange } from './audit/settings-audit';
import { AuthService } from './auth/auth.service';
import type { LocalCliCredential } from './auth/local-cli-credential';
import type { AppConfig } from './core/config/app-config';
import type { DatabaseTarget } from './core/database/data-source';
import { runMigrations } from './core/database/migrate';
import { registerBodyParsers } from './core/http/body-parsers';
import { clientErrorHandler, httpServerTimeouts, registerEarlyAnswerDrain } from './core/http/connections';
import { registerHttpSecurity } from './core/http/http-security';
import { JsonLogger } from './core/logging/logger';

/** The largest body any endpoint accepts (webhook deliveries up to 25 MB, DESIGN §3). */
export const MAX_BODY_BYTES = 25 * 1024 * 1024;

export interface CreateAppOptions {
  config: AppConfig;
  database: DatabaseTarget;
  logger: Pino;
  localCli?: LocalCliCredential;
}

/** Builds the whole app (migrated, initialised, not yet listening). Used by main.ts and by the tests. */
export async function createApp(options: CreateAppOptions): Promise<NestFastifyApplication> {
  const { config, database, logger } = options;
  // Slow senders: the whole request within REQUEST_TIMEOUT_SECONDS (docs/reliability.md, slow requests).
  const timeouts = httpServerTimeouts(config.requestTimeoutSeconds);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    bodyLimit: MAX_BODY_BYTES,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    trustProxy: false,
    requestTimeout: timeouts.requestTimeout,
    http: timeouts.http,
    clientErrorHandler: clientErrorHandler(logger, config.requestTimeoutSeconds),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot({ config, database, localCli: options.localCli }), adapter, {
    bodyParser: false,
    logger: new JsonLogger(logger.child({ component: 'nest' })),
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  registerBodyParsers(fastify, MAX_BODY_BYTES);
  registerEarlyAnswerDrain(fastify);
  fastify.addHook('onRequest', async (request, reply) => {
    // A caller's request id is kept only when it is short and plain; otherwise ours is used.
    if (!/^[A-Za-z0-9._:-]{1,128}$/.test(String(request.id))) request.id = randomUUID();
    void reply.header('x-request-id', request.id);
  });
  registerHttpSecurity(fastify, config);
  // CORS stays closed (no Access-Control-* headers) unless CORS_ORIGINS lists origins.
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: [...config.corsOrigins],
      credentials: true,
      allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
      exposedHeaders: ['x-request-id', 'retry-after', 'content-disposition', 'x-loopmeter-export-format'],
      maxAge: 600,
    });
  }
  await app.register(fastifyStatic, { root: getAbsoluteFSPath(), prefix: '/api/docs/assets/', decorateReply: false, index: false });
  const webAssets = join(config.webDistDir, 'assets');
  if (existsSync(webAssets)) {
    await app.register(fastifyStatic, { root: webAssets, prefix: '/assets/', decorateReply: false, index: false, immutable: true, maxAge: '365d' });
  }
  app.enableShutdownHooks();
  await app.init();
  await runMigrations(app.get(DataSource));
  await app.get(AuthService).ensureInitialAdmin();
  await recordSettingsChange(app.get(AuditService), config);
  return app;
}
