import { z } from 'zod';

/** The answer of `POST /v1/{logs,metrics,traces}` in JSON (an OTLP Export*ServiceResponse). */
export const otlpExportResponseSchema = z
  .object({
    partialSuccess: z
      .object({
        rejectedLogRecords: z.number().int().optional(),
        rejectedDataPoints: z.number().int().optional(),
        rejectedSpans: z.number().int().optional(),
        errorMessage: z.string().optional(),
      })
      .optional()
      .describe('Present when malformed records were left out; the rest was stored.'),
  })
  .meta({ id: 'OtlpExportResponse' });
export type OtlpExportResponse = z.infer<typeof otlpExportResponseSchema>;

const isoDate = z.string().datetime({ offset: true }).or(z.string().date());

export const agentSessionQuerySchema = z
  .object({
    agent: z.string().max(100).optional().describe("e.g. 'claude-code', 'codex'"),
    model: z.string().max(200).optional(),
    team: z.string().max(100).optional(),
    person: z.string().max(320).optional().describe('The person key: an email, else the agent account id.'),
    from: isoDate.optional().describe('Sessions active at or after this time (ended_at >= from).'),
    to: isoDate.optional().describe('Sessions started before this time (started_at < to).'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict()
  .meta({ id: 'AgentSessionQuery' });
export type AgentSessionQuery = z.infer<typeof agentSessionQuerySchema>;

export const agentCostSourceSchema = z
  .enum(['reported', 'computed', 'unknown'])
  .describe("'reported' by the agent; 'computed' from the price table (list prices, an estimate); 'unknown': a model the price table does not know (the cost is null).");

export const agentTokensSchema = z.object({
  input: z.number().int().describe('Input tokens not read from the prompt cache.'),
  output: z.number().int(),
  cacheRead: z.number().int(),
  cacheCreation: z.number().int(),
});

export const agentSessionSchema = z
  .object({
    agent: z.string(),
    sessionId: z.string(),
    person: z.string().nullable().describe('Who ran it: user.email, else user.account_uuid / user.account_id / user.id.'),
    personSource: z.string().nullable().describe('Which telemetry attribute named the person.'),
    team: z.string().nullable(),
    teamSource: z.enum(['resource', 'token']).nullable().describe("'resource': the team.id resource attribute; 'token': the ingest token's team."),
    model: z.string().nullable().describe('The model of most requests.'),
    startedAt: z.string().datetime(),
    endedAt: z.string().datetime(),
    tokens: agentTokensSchema,
    costUsd: z.number().nullable().describe('US dollars; null when unknown (a model the price table does not know) or nothing was used.'),
    costSource: agentCostSourceSchema.nullable(),
    requests: z.number().int().describe('Model requests (API requests, Codex responses).'),
    prompts: z.number().int(),
    toolDecisions: z.object({ accepted: z.number().int(), rejected: z.number().int() }),
    errors: z.number().int(),
    linesAdded: z.number().int(),
    linesRemoved: z.number().int(),
    commits: z.number().int(),
    pullRequests: z.number().int(),
  })
  .meta({ id: 'AgentSession' });
export type AgentSession = z.infer<typeof agentSessionSchema>;

export const agentSessionListSchema = z
  .object({
    items: z.array(agentSessionSchema),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .meta({ id: 'AgentSessionList' });
export type AgentSessionList = z.infer<typeof agentSessionListSchema>;

export const agentRunSchema = z
  .object({
    runKey: z.string(),
    kind: z.enum(['api_request', 'api_error', 'tool_decision', 'tool_result', 'user_prompt']),
    at: z.string().datetime(),
    model: z.string().nullable(),
    promptId: z.string().nullable(),
    tokens: agentTokensSchema,
    costUsd: z.number().nullable(),
    costSource: agentCostSourceSchema.nullable(),
    toolName: z.string().nullable(),
    outcome: z.enum(['success', 'error', 'accepted', 'rejected']).nullable(),
    error: z.string().nullable(),
    durationMs: z.number().nullable(),
  })
  .meta({ id: 'AgentRun' });
export type AgentRun = z.infer<typeof agentRunSchema>;

export const agentSessionDetailSchema = agentSessionSchema
  .extend({ runs: z.array(agentRunSchema).describe('In time order; at most 1,000.') })
  .meta({ id: 'AgentSessionDetail' });
export type AgentSessionDetail = z.infer<typeof agentSessionDetailSchema>;

// ---------------------------------------------------------------------------------------------------------
// Vendor usage reports (GitHub Copilot usage metrics, Claude Code Analytics): daily usage facts

export const usageVendorSchema = z.enum(['copilot', 'claude-code']).describe("'copilot': GitHub Copilot usage metrics reports; 'claude-code': the Claude Code Analytics API.");
export type UsageVendor = z.infer<typeof usageVendorSchema>;

const day = z.string().date('a day (YYYY-MM-DD)');

export const agentUsageQuerySchema = z
  .object({
    vendor: usageVendorSchema.optional(),
    scope: z.enum(['organization', 'user', 'team']).optional(),
    scopeKey: z.string().max(320).optional().describe('An organization id, a user (GitHub login, email), or a team slug.'),
    metric: z.string().max(200).optional().describe('One metric, e.g. loc_added_sum or core_metrics.num_sessions.'),
    from: day.optional().describe('First day (inclusive).'),
    to: day.optional().describe('Last day (inclusive).'),
    limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict()
  .meta({ id: 'AgentUsageQuery' });
export type AgentUsageQuery = z.infer<typeof agentUsageQuerySchema>;

export const agentUsageFactSchema = z
  .object({
    vendor: usageVendorSchema,
    day: z.string().describe('YYYY-MM-DD (UTC), as the vendor reports it.'),
    scope: z.enum(['organization', 'user', 'team']),
    scopeKey: z.string(),
    metric: z.string().describe("The vendor's documented field path (see docs/sources/agents.md)."),
    value: z.number(),
    derived: z.boolean().describe('Computed by Loopmeter (team sums, Claude Code organization totals) rather than reported.'),
  })
  .meta({ id: 'AgentUsageFact' });
export type AgentUsageFact = z.infer<typeof agentUsageFactSchema>;

export const agentUsageListSchema = z
  .object({ items: z.array(agentUsageFactSchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() })
  .meta({ id: 'AgentUsageList' });
export type AgentUsageList = z.infer<typeof agentUsageListSchema>;

export const importUsageRequestSchema = z
  .object({
    vendor: usageVendorSchema,
    content: z.string().min(1, 'the report is empty').describe('The report as downloaded: NDJSON or JSON (several files of one day may be concatenated).'),
  })
  .strict()
  .meta({ id: 'ImportUsageRequest' });
export type ImportUsageRequest = z.infer<typeof importUsageRequestSchema>;

export const usageImportResultSchema = z
  .object({
    vendor: usageVendorSchema,
    stored: z.boolean().describe('false: the same report was imported before (nothing new stored).'),
    records: z.number().int(),
    days: z.array(z.string()),
    facts: z.object({ organization: z.number().int(), user: z.number().int(), teamMemberships: z.number().int() }).describe('Rows of the report by scope.'),
  })
  .meta({ id: 'UsageImportResult' });
export type UsageImportResult = z.infer<typeof usageImportResultSchema>;

export const pullUsageRequestSchema = z
  .object({
    vendor: usageVendorSchema,
    since: day.describe('First day to pull (inclusive).'),
    until: day.optional().describe('Last day to pull (inclusive); default yesterday (UTC).'),
  })
  .strict()
  .meta({ id: 'PullUsageRequest' });
export type PullUsageRequest = z.infer<typeof pullUsageRequestSchema>;

export const usagePullResultSchema = z
  .object({
    vendor: usageVendorSchema,
    since: z.string(),
    until: z.string(),
    days: z.number().int().describe('Days pulled.'),
    requests: z.number().int().describe('HTTP requests made to the vendor.'),
    stored: z.number().int().describe('Reports stored as new raw events.'),
    unchanged: z.number().int().describe('Reports identical to ones stored before.'),
    records: z.number().int(),
  })
  .meta({ id: 'UsagePullResult' });
export type UsagePullResult = z.infer<typeof usagePullResultSchema>;
