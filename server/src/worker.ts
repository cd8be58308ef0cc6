import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { loadConfigOrExit } from './core/config/app-config';
import { runMigrations } from './core/database/migrate';
import { createRootLogger, JsonLogger } from './core/logging/logger';
import { PipelineWorker } from './pipeline/pipeline-worker';

/**
 * `npm run worker`: the pipeline alone, for set-ups where ingest and processing scale apart. Run the
 * servers with PIPELINE_WORKER=off. Needs DATABASE_URL: the embedded database belongs to the server.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  if (!config.databaseUrl) {
    process.stderr.write('npm run worker needs DATABASE_URL: the embedded database belongs to the server process, which runs the pipeline itself.\n');
    process.exit(2);
  }
  const logger = createRootLogger(config.logLevel);
  const context = await NestFactory.createApplicationContext(
    AppModule.forRoot({ config, database: { url: config.databaseUrl, kind: 'postgres', poolSize: config.databasePoolSize } }),
    { logger: new JsonLogger(logger.child({ component: 'nest' })) },
  );
  context.enableShutdownHooks();
  await runMigrations(context.get(DataSource));
  context.get(PipelineWorker).start();
  logger.info('pipeline worker running');
}

main().catch((error: unknown) => {
  process.stderr.write(`loopmeter worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
