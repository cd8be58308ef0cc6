import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../server/src/bootstrap';
import { AppConfig } from '../../server/src/core/config/app-config';
import { createRootLogger } from '../../server/src/core/logging/logger';
import { createTestDatabase, type TestDatabase } from './test-database';

/** Collects the app's JSON log lines so tests can check what is (and is not) logged. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
  text(): string {
    return this.lines.join('\n');
  }
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** A raw body sent as is (with its own content type). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export interface TestApp {
  app: NestFastifyApplication;
  url: string;
  config: AppConfig;
  database: TestDatabase;
  logs: LogCapture;
  request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** Boots the real AppModule on this test file's own database and listens on a free port. */
export async function startTestApp(options: { env?: Record<string, string>; database?: TestDatabase } = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loopmeter-app-'));
  // The pipeline worker is off unless a test turns it on: tests drain the pipeline when they mean to. So are
  // scheduled regression runs: tests run detection on demand.
  const config = AppConfig.fromEnv({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', LOOPMETER_ADMIN_TOKEN: TEST_ADMIN_TOKEN, PIPELINE_WORKER: 'off', REGRESSIONS_INTERVAL_MINUTES: '0', ...options.env });
  const database = options.database ?? (await createTestDatabase());
  const logs = new LogCapture();
  const app = await createApp({ config, database: database.target, logger: createRootLogger(config.logLevel, logs) });
  await app.listen({ port: config.port, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    app,
    url,
    config,
    database,
    logs,
    request: (method, path, requestOptions) => request(url, method, path, requestOptions),
    async close() {
      await app.close();
      if (!options.database) await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function request<T = unknown>(baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | Buffer | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(baseUrl + path, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  if (response.headers.get('content-type')?.includes('json')) parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}
