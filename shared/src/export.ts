import { z } from 'zod';

const isoDate = z.string().datetime({ offset: true }).or(z.string().date());

/**
 * The agent-runs export (docs/export.md). Each format has a version; a version's columns and their order
 * never change. A new layout is a new version, asked for with `version`, so existing consumers keep theirs.
 */
export const AGENT_RUNS_EXPORT_VERSIONS = ['1'] as const;

/** Version 1 columns, in order. Pinned by a test: change only by adding a version. */
export const AGENT_RUNS_EXPORT_V1_COLUMNS = [
  'run_id',
  'timestamp',
  'team',
  'agent',
  'model',
  'run_kind',
  'evaluator',
  'check',
  'outcome',
  'score',
  'session_id',
  'person',
  'tool_name',
  'duration_ms',
  'cost_usd',
  'input_tokens',
  'output_tokens',
] as const;
export type AgentRunsExportV1Column = (typeof AGENT_RUNS_EXPORT_V1_COLUMNS)[number];

export const agentRunsExportQuerySchema = z
  .object({
    team: z.string().max(100).optional().describe('The workspace (team key) whose runs to export. Default: every team.'),
    from: isoDate.optional().describe('Runs at or after this time.'),
    to: isoDate.optional().describe('Runs before this time.'),
    agent: z.string().max(100).optional().describe("e.g. 'claude-code', 'codex'"),
    model: z.string().max(200).optional(),
    format: z.enum(['csv', 'ndjson']).default('csv'),
    version: z.enum(AGENT_RUNS_EXPORT_VERSIONS).default('1').describe('The layout version; 1 is the only one so far.'),
  })
  .strict()
  .meta({ id: 'AgentRunsExportQuery' });
export type AgentRunsExportQuery = z.infer<typeof agentRunsExportQuerySchema>;

/** One exported run (version 1), as an NDJSON line; the CSV has the same columns in this order. */
export const agentRunsExportV1RowSchema = z
  .object({
    run_id: z.string().describe('agent/session_id/run_key: unique and stable across re-exports.'),
    timestamp: z.string().datetime(),
    team: z.string().nullable(),
    agent: z.string(),
    model: z.string().nullable(),
    run_kind: z.enum(['api_request', 'api_error', 'tool_decision', 'tool_result', 'user_prompt']),
    evaluator: z.string().describe('agent/check: the agent whose run it is and the check that judged it.'),
    check: z.enum(['model-api-response', 'user-tool-decision', 'tool-execution', 'none']),
    outcome: z.enum(['success', 'error', 'accepted', 'rejected']).nullable(),
    score: z.number().int().min(0).max(1).nullable().describe('1 for success/accepted, 0 for error/rejected, null when unjudged.'),
    session_id: z.string(),
    person: z.string().nullable(),
    tool_name: z.string().nullable(),
    duration_ms: z.number().nullable(),
    cost_usd: z.number().nullable(),
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
  })
  .meta({ id: 'AgentRunsExportV1Row' });
export type AgentRunsExportV1Row = z.infer<typeof agentRunsExportV1RowSchema>;
