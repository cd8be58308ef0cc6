import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger as Pino } from 'pino';
import { LocalCliCredential } from './auth/local-cli-credential';
import { createApp } from './bootstrap';
import type { AppConfig } from './core/config/app-config';
import { openDatabase, type DatabaseHandle } from './core/database/database';

export interface RunningServer {
  app: NestFastifyApplication;
  database: DatabaseHandle;
  url: string;
  close(): Promise<void>;
}

/** Opens the database (embedded or PostgreSQL), builds the app and listens: what `npm start` runs. */
export async function startServer(config: AppConfig, logger: Pino): Promise<RunningServer> {
  const database = await openDatabase(config);
  const localCli = database.kind === 'embedded' ? LocalCliCredential.create(config.dataDir) : undefined;
  let app: NestFastifyApplication;
  try {
    app = await createApp({ config, database, logger, localCli });
  } catch (e) {
    localCli?.remove();
    await database.close();
    throw e;
  }
  app.getHttpAdapter().getInstance().addHook('onClose', async () => {
    localCli?.remove();
    await database.close();
  });
  await app.listen({ port: config.port, host: config.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  database.lock?.setPort(port);
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return { app, database, url: `http://${host}:${port}`, close: () => app.close() };
}
