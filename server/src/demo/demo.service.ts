import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { createTokenRequestSchema, demoLoadRequestSchema, type DemoLoadReport, type DemoLoadRequest, type DemoRemoveReport } from '@loopmeter/shared';
import type * as Generator from '../../../bench/generator';
import { IntegrationsService } from '../integrations/integrations.service';
import { RollupsService } from '../metrics/rollups/rollups.service';
import { DEFAULT_ORG_ID } from '../orgs/org.entity';
import { PipelineService } from '../pipeline/pipeline.service';
import { ReprocessService } from '../pipeline/reprocess/reprocess.service';
import { TokensService } from '../tokens/tokens.service';

/** The label of everything the demo creates. */
export const DEMO_PREFIX = 'demo ';

const DAY_MS = 86_400_000;

/**
 * bench/ is its own TypeScript project (bench/tsconfig.json, built by `tsc -b` with the server); the server
 * loads its compiled generator, which lives at the same place relative to server/src and server/dist.
 */
function generator(): typeof Generator {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(__dirname, '../../../bench/dist/generator/index.js')) as typeof Generator;
}

/**
 * The demo workspace (issue 8): a synthetic org of bench/generator, ending today, loaded into the default org
 * and removable. Through the running server it is sent as the sources send (signed webhooks to integrations
 * it creates, OTLP and events with an ingest token it creates), so it exercises ingest and the pipeline; the
 * CLI without a server writes the same events to the raw store in bulk, marked `meta.demo`.
 */
@Injectable()
export class DemoService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly integrations: IntegrationsService,
    private readonly tokens: TokensService,
    private readonly pipeline: PipelineService,
    private readonly reprocessor: ReprocessService,
    private readonly rollups: RollupsService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  async load(input: DemoLoadRequest, orgId = DEFAULT_ORG_ID): Promise<DemoLoadReport> {
    const started = Date.now();
    const request = demoLoadRequestSchema.parse(input);
    const now = new Date();
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    // The history ends on the Monday after today, so the last weeks are the current ones; nothing later than now.
    const end = new Date(today + ((8 - new Date(today).getUTCDay()) % 7 || 7) * DAY_MS);
    const gen = generator();
    const events = gen.generateEvents({ seed: request.seed, scale: request.scale, end, now });
    const github = await this.integrations.create({ kind: 'github', name: `${DEMO_PREFIX}GitHub (acme)` }, orgId);
    const linear = await this.integrations.create({ kind: 'linear', name: `${DEMO_PREFIX}Linear (acme)` }, orgId);
    const integrations = [github, linear].map((i) => ({ id: i.id, kind: i.kind, name: i.name }));
    const baseUrl = this.listeningUrl();
    if (!baseUrl) {
      const written = await gen.writeRawEvents((t, p) => this.dataSource.query(t, p), events, { orgId, integrationIds: { github: github.id, linear: linear.id }, meta: { demo: true } });
      await this.pipeline.drain();
      return { mode: 'bulk', events: written, statuses: {}, failures: [], integrations, tokenId: null, tookMs: Date.now() - started };
    }
    const token = await this.tokens.create(createTokenRequestSchema.parse({ name: `${DEMO_PREFIX}agents and events`, scope: 'ingest' }), orgId);
    const report = await gen.sendEvents(events, { baseUrl, targets: { github: { id: github.id, secret: github.secret }, linear: { id: linear.id, secret: linear.secret }, ingestToken: token.token }, concurrency: 8 });
    return { mode: 'endpoints', events: report.sent, statuses: report.statuses, failures: report.failures, integrations, tokenId: token.id, tookMs: Date.now() - started };
  }

  /** Removes the demo's raw events, integrations and tokens, then rebuilds the domain and rollups from what is left. */
  async remove(orgId = DEFAULT_ORG_ID): Promise<DemoRemoveReport> {
    const demoIntegrations = (await this.integrations.list(orgId)).filter((i) => i.name.startsWith(DEMO_PREFIX));
    const demoTokens = (await this.tokens.list(orgId)).filter((t) => t.name.startsWith(DEMO_PREFIX));
    const integrationIds = demoIntegrations.map((i) => i.id);
    const tokenIds = demoTokens.map((t) => t.id);
    for (const id of integrationIds) await this.integrations.update(id, { status: 'disabled' }, orgId);
    const rawEvents = await this.dataSource.transaction(async (m) => {
      const deleted: [unknown, number] = await m.query(
        `DELETE FROM raw_events WHERE org_id = $1 AND (integration_id = ANY($2::uuid[]) OR meta->>'tokenId' = ANY($3::text[]) OR meta @> '{"demo": true}')`,
        [orgId, integrationIds, tokenIds],
      );
      await m.query(`DELETE FROM integrations WHERE org_id = $1 AND id = ANY($2::uuid[])`, [orgId, integrationIds]);
      return deleted[1];
    });
    for (const token of demoTokens) if (!token.revokedAt) await this.tokens.revoke(token.id, orgId);
    const { total } = await this.reprocessor.reprocess(orgId);
    // Keys dirtied by the reprocess's deletions with no batch left to refresh them (an org with nothing else).
    await this.rollups.refresh(orgId);
    return { rawEvents, integrations: integrationIds.length, tokens: demoTokens.length, reprocessed: total };
  }

  /** Where this server listens (loopback), or null when there is no HTTP server (the CLI's own context). */
  private listeningUrl(): string | null {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as { address?: () => AddressInfo | string | null } | undefined;
    const address = server?.address?.();
    if (!address || typeof address === 'string') return null;
    return `http://127.0.0.1:${address.port}`;
  }
}
