import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import type {
  DemoLoadReport,
  DemoLoadRequest,
  DemoRemoveReport,
  RollupsRebuildReport,
  ApiToken,
  ApiTokenList,
  CreateIntegrationRequest,
  CreateTokenRequest,
  CreateTokenResponse,
  CreateUserRequest,
  ErrorResponse,
  ImportTeamsRequest,
  ImportUsageRequest,
  Integration,
  IntegrationList,
  IntegrationWithSecret,
  PullUsageRequest,
  RotateSecretRequest,
  TeamList,
  TeamsImportReport,
  TeamSummary,
  UpdateIntegrationRequest,
  UpdateUserRequest,
  UsageImportResult,
  UsagePullResult,
  User,
  UserList,
} from '@loopmeter/shared';
import { UsageImportService } from '../agents/usage/usage-import.service';
import { AuditService, type AuditActor, type AuditRecord, type AuditSink } from '../audit/audit.service';
import { UsagePullService, type PullProgress } from '../agents/usage/usage-pull.service';
import { AppModule } from '../app.module';
import { DemoService } from '../demo/demo.service';
import { RollupsService } from '../metrics/rollups/rollups.service';
import { localCliTokenPath } from '../auth/local-cli-credential';
import type { AppConfig } from '../core/config/app-config';
import type { DatabaseTarget } from '../core/database/data-source';
import { DataDirLock, readDataDirLock } from '../core/database/data-dir-lock';
import { embeddedDataDir, startEmbeddedPostgres } from '../core/database/embedded-postgres';
import { runMigrations } from '../core/database/migrate';
import { IntegrationsService } from '../integrations/integrations.service';
import { DEFAULT_ORG_ID } from '../orgs/org.entity';
import { PipelineWorker } from '../pipeline/pipeline-worker';
import { PipelineService } from '../pipeline/pipeline.service';
import { ReprocessService, type ReprocessProgress } from '../pipeline/reprocess/reprocess.service';
import { TeamsService } from '../teams/teams.service';
import { TokensService } from '../tokens/tokens.service';
import { UsersService } from '../users/users.service';

/** What the CLI can do, whether it reaches the database directly or through the running server. */
export interface CliBackend {
  readonly description: string;
  createToken(request: CreateTokenRequest): Promise<CreateTokenResponse>;
  listTokens(): Promise<ApiToken[]>;
  revokeToken(id: string): Promise<ApiToken>;
  createUser(request: CreateUserRequest): Promise<User>;
  listUsers(): Promise<User[]>;
  updateUser(id: string, request: UpdateUserRequest): Promise<User>;
  createIntegration(request: CreateIntegrationRequest): Promise<IntegrationWithSecret>;
  listIntegrations(): Promise<Integration[]>;
  updateIntegration(id: string, request: UpdateIntegrationRequest): Promise<Integration>;
  rotateIntegrationSecret(id: string, request: RotateSecretRequest): Promise<IntegrationWithSecret>;
  reprocess(onProgress: (p: ReprocessProgress) => void): Promise<ReprocessProgress>;
  importTeams(request: ImportTeamsRequest): Promise<TeamsImportReport>;
  /** Stores a vendor usage report; directly, the pipeline then builds its facts before this returns. */
  importUsage(request: ImportUsageRequest): Promise<UsageImportResult>;
  pullUsage(request: PullUsageRequest, onProgress: (p: PullProgress) => void): Promise<UsagePullResult>;
  listTeams(): Promise<TeamSummary[]>;
  rebuildRollups(): Promise<RollupsRebuildReport>;
  /** Through a running server: sent through its endpoints; directly: written to the raw store and processed. */
  loadDemo(request: DemoLoadRequest): Promise<DemoLoadReport>;
  removeDemo(): Promise<DemoRemoveReport>;
  close(): Promise<void>;
}

export class CliError extends Error {}

/** Who the audit log names for a change the CLI makes on the database directly. */
const CLI_ACTOR: AuditActor = { kind: 'local-cli', id: null, label: `CLI (${osUser()}@${hostname()})` };

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * PostgreSQL (DATABASE_URL): straight to the database. Embedded: the database belongs to the server
 * process, so go through the running server with the credential it left in DATA_DIR; with no server
 * running, open the embedded database here.
 */
export async function openCliBackend(config: AppConfig): Promise<CliBackend> {
  if (config.databaseUrl) {
    return DirectBackend.open(config, { url: config.databaseUrl, kind: 'postgres', poolSize: 2 }, 'PostgreSQL (DATABASE_URL)', async () => undefined);
  }
  const holder = readDataDirLock(config.dataDir);
  if (holder) {
    if (holder.port === undefined) throw new CliError(`The Loopmeter server (pid ${holder.pid}) is still starting; try again in a few seconds.`);
    let token: string;
    try {
      token = readFileSync(localCliTokenPath(config.dataDir), 'utf8').trim();
    } catch {
      throw new CliError(`The Loopmeter server (pid ${holder.pid}) owns ${config.dataDir} but left no CLI credential there; restart it, or run the CLI as the same user.`);
    }
    return new ServerBackend(`http://127.0.0.1:${holder.port}`, token);
  }
  const lock = DataDirLock.acquire(config.dataDir);
  const embedded = await startEmbeddedPostgres({ dataDir: embeddedDataDir(config.dataDir) });
  return DirectBackend.open(config, { url: embedded.url, kind: 'embedded', poolSize: 1 }, 'embedded database (no server running)', async () => {
    await embedded.close();
    lock.release();
  });
}

/** The same services the server runs, in an application context without HTTP. */
class DirectBackend implements CliBackend {
  /** The application context, for the services of the commands added later (rollups, demo). */
  private context!: INestApplicationContext;

  private constructor(
    readonly description: string,
    private readonly tokens: TokensService,
    private readonly integrations: IntegrationsService,
    private readonly reprocessor: ReprocessService,
    private readonly teams: TeamsService,
    private readonly usage: { importer: UsageImportService; puller: UsagePullService; pipeline: PipelineService },
    private readonly onClose: () => Promise<void>,
  ) {}

  static async open(config: AppConfig, database: DatabaseTarget, description: string, release: () => Promise<void>): Promise<DirectBackend> {
    let context;
    try {
      context = await NestFactory.createApplicationContext(AppModule.forRoot({ config, database }), { logger: false, abortOnError: false });
      // The CLI runs its commands itself; it must not start a background worker of its own.
      await context.get(PipelineWorker).stop();
      await runMigrations(context.get(DataSource));
    } catch (e) {
      await context?.close();
      await release();
      throw e;
    }
    const app = context;
    const usage = { importer: app.get(UsageImportService), puller: app.get(UsagePullService), pipeline: app.get(PipelineService) };
    const backend = new DirectBackend(description, app.get(TokensService), app.get(IntegrationsService), app.get(ReprocessService), app.get(TeamsService), usage, async () => {
      await app.close();
      await release();
    });
    backend.context = app;
    return backend;
  }

  /**
   * Changes made here bypass the server's HTTP layer, so they are audited here, with the same actions and
   * details as the server's routes (never a secret), by the local CLI of this machine and OS user.
   */
  private readonly audit: AuditSink = (record: AuditRecord, manager) => this.context.get(AuditService).recordSystem(DEFAULT_ORG_ID, record, CLI_ACTOR, manager);

  async createToken(request: CreateTokenRequest) {
    const created = await this.tokens.create(request);
    await this.audit({ action: 'token.created', target: created.id, details: { name: created.name, scope: created.scope, team: created.team, role: created.role, prefix: created.prefix } });
    return created;
  }
  listTokens() { return this.tokens.list(); }
  async revokeToken(id: string) {
    const revoked = await this.tokens.revoke(id);
    await this.audit({ action: 'token.revoked', target: revoked.id, details: { name: revoked.name, scope: revoked.scope } });
    return revoked;
  }
  createUser(request: CreateUserRequest) { return this.context.get(UsersService).create(DEFAULT_ORG_ID, request, this.audit); }
  listUsers() { return this.context.get(UsersService).list(DEFAULT_ORG_ID); }
  updateUser(id: string, request: UpdateUserRequest) { return this.context.get(UsersService).update(DEFAULT_ORG_ID, id, request, this.audit); }
  async createIntegration(request: CreateIntegrationRequest) {
    const created = await this.integrations.create(request);
    await this.audit({ action: 'integration.created', target: created.id, details: { kind: created.kind, name: created.name } });
    return created;
  }
  listIntegrations() { return this.integrations.list(); }
  async updateIntegration(id: string, request: UpdateIntegrationRequest) {
    const updated = await this.integrations.update(id, request);
    await this.audit({ action: 'integration.updated', target: updated.id, details: { name: updated.name, change: { ...request } } });
    return updated;
  }
  async rotateIntegrationSecret(id: string, request: RotateSecretRequest) {
    const rotated = await this.integrations.rotateSecret(id, request);
    await this.audit({ action: 'integration.secret_rotated', target: rotated.id, details: { name: rotated.name, graceHours: request.graceHours ?? null } });
    return rotated;
  }
  reprocess(onProgress: (p: ReprocessProgress) => void) { return this.reprocessor.reprocess(DEFAULT_ORG_ID, { onProgress }); }
  async importTeams(request: ImportTeamsRequest) {
    const report = await this.teams.importTeams(request);
    await this.audit({ action: 'teams.imported', details: { ...report } });
    return report;
  }
  listTeams() { return this.teams.list(); }
  // No worker runs here: the pipeline is drained so the facts exist when the command ends.
  async importUsage(request: ImportUsageRequest) {
    const result = await this.usage.importer.importReport(DEFAULT_ORG_ID, request.vendor, Buffer.from(request.content, 'utf8'), { via: 'cli' });
    await this.usage.pipeline.drain();
    return result;
  }
  async pullUsage(request: PullUsageRequest, onProgress: (p: PullProgress) => void) {
    const result = await this.usage.puller.pull(DEFAULT_ORG_ID, request, onProgress);
    await this.usage.pipeline.drain();
    return result;
  }
  rebuildRollups() { return this.context.get(RollupsService).rebuild(DEFAULT_ORG_ID); }
  loadDemo(request: DemoLoadRequest) { return this.context.get(DemoService).load(request, DEFAULT_ORG_ID); }
  removeDemo() { return this.context.get(DemoService).remove(DEFAULT_ORG_ID); }
  close() { return this.onClose(); }
}

class ServerBackend implements CliBackend {
  readonly description: string;

  constructor(private readonly baseUrl: string, private readonly token: string) {
    this.description = `the running server at ${baseUrl}`;
  }

  createToken(request: CreateTokenRequest) { return this.call<CreateTokenResponse>('POST', '/api/tokens', request); }
  async listTokens() { return (await this.call<ApiTokenList>('GET', '/api/tokens')).items; }
  revokeToken(id: string) { return this.call<ApiToken>('DELETE', `/api/tokens/${encodeURIComponent(id)}`); }
  createUser(request: CreateUserRequest) { return this.call<User>('POST', '/api/users', request); }
  async listUsers() { return (await this.call<UserList>('GET', '/api/users')).items; }
  updateUser(id: string, request: UpdateUserRequest) { return this.call<User>('PATCH', `/api/users/${encodeURIComponent(id)}`, request); }
  createIntegration(request: CreateIntegrationRequest) { return this.call<IntegrationWithSecret>('POST', '/api/integrations', request); }
  async listIntegrations() { return (await this.call<IntegrationList>('GET', '/api/integrations')).items; }
  updateIntegration(id: string, request: UpdateIntegrationRequest) { return this.call<Integration>('PATCH', `/api/integrations/${encodeURIComponent(id)}`, request); }
  rotateIntegrationSecret(id: string, request: RotateSecretRequest) {
    return this.call<IntegrationWithSecret>('POST', `/api/integrations/${encodeURIComponent(id)}/rotate-secret`, request);
  }
  importTeams(request: ImportTeamsRequest) { return this.call<TeamsImportReport>('POST', '/api/teams/import', request); }
  async listTeams() { return (await this.call<TeamList>('GET', '/api/teams')).items; }
  importUsage(request: ImportUsageRequest) { return this.call<UsageImportResult>('POST', '/api/agent-usage/import', request); }
  pullUsage(request: PullUsageRequest) { return this.call<UsagePullResult>('POST', '/api/agent-usage/pull', request); }
  async close() { /* nothing held */ }
  rebuildRollups() { return this.call<RollupsRebuildReport>('POST', '/api/rollups/rebuild'); }
  loadDemo(request: DemoLoadRequest) { return this.call<DemoLoadReport>('POST', '/api/demo', request); }
  removeDemo() { return this.call<DemoRemoveReport>('DELETE', '/api/demo'); }

  /** The server streams NDJSON progress lines; the last one says whether it finished. */
  async reprocess(onProgress: (p: ReprocessProgress) => void): Promise<ReprocessProgress> {
    const response = await this.fetch('POST', '/api/pipeline/reprocess');
    if (!response.ok || !response.body) throw new CliError(`The server answered ${response.status} to reprocess`);
    let buffered = '';
    let last: (ReprocessProgress & { finished?: boolean; error?: { message: string } }) | undefined;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += Buffer.from(chunk).toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        last = JSON.parse(buffered.slice(0, newline)) as typeof last;
        buffered = buffered.slice(newline + 1);
        if (last && last.error === undefined) onProgress(last);
      }
    }
    if (!last?.finished) throw new CliError(`Reprocessing failed: ${last?.error?.message ?? 'the server closed the stream early'}`);
    return { done: last.done, total: last.total };
  }

  private async fetch(method: string, path: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(this.baseUrl + path, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (e) {
      throw new CliError(`Could not reach the Loopmeter server at ${this.baseUrl}: ${(e as Error).message}`);
    }
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.fetch(method, path, body);
    const data = (await response.json().catch(() => undefined)) as unknown;
    if (!response.ok) {
      const err = data as Partial<ErrorResponse> | undefined;
      throw new CliError(`${err?.message ?? `The server answered ${response.status}`}${err?.code ? ` (${err.code})` : ''}`);
    }
    return data as T;
  }
}
