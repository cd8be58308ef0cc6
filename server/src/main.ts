import 'reflect-metadata';
import { loadConfigOrExit } from './core/config/app-config';
import { createRootLogger } from './core/logging/logger';
import { startServer } from './server';

async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const logger = createRootLogger(config.logLevel);
  logger.info({ config: config.describe(), version: config.version }, 'starting loopmeter');
  const server = await startServer(config, logger);
  logger.info({ url: server.url, database: server.database.kind }, 'loopmeter is ready');
}

main().catch((error: unknown) => {
  process.stderr.write(`loopmeter failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
