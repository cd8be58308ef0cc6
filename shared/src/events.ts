import { z } from 'zod';

/**
 * The generic events API (`POST /api/events`): typed events a team sends from its own tools (feedback
 * inbox, deploy scripts, agent wrappers, eval harnesses) when no built-in source covers them.
 * Every event carries a caller-chosen `id`: sending the same id again is answered as a duplicate and
 * stored once. Unknown fields are rejected so that typos are reported instead of silently dropped.
 */

/** Limits of one request, shared by the parser, the endpoint and the docs. */
export const eventsBatchLimits = {
  /** Events per request (array elements or NDJSON lines). */
  maxEvents: 10_000,
  /** Request body size: 25 MB. */
  maxBodyBytes: 25 * 1024 * 1024,
  /** Keys in one event's `attributes`. */
  maxAttributes: 50,
} as const;

// PostgreSQL text cannot hold NUL: refused here with a reason, or a key holding one failed whole pipeline batches
// (found by the fuzz of test/reliability).
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .regex(/^[^\u0000]*$/, 'must not contain the NUL character');

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2048, 'must be at most 2048 characters');

const commitSha = z
  .string()
  .trim()
  .regex(/^[0-9a-fA-F]{7,64}$/, 'must be a commit sha: 7 to 64 hex characters');

const isoDateTime = z.string().datetime({
  offset: true,
  error: 'Invalid ISO datetime: expected ISO 8601 with Z or an offset, e.g. 2025-03-01T09:30:00Z',
});

const attributeValue = z.union([z.string().max(1000, 'must be at most 1000 characters'), z.number(), z.boolean()], {
  error: 'must be a string, number or boolean',
});

export const eventAttributesSchema = z
  .record(z.string().min(1, 'attribute names must not be empty').max(100, 'attribute names must be at most 100 characters'), attributeValue)
  .refine((attributes) => Object.keys(attributes).length <= eventsBatchLimits.maxAttributes, {
    message: `at most ${eventsBatchLimits.maxAttributes} attributes`,
  })
  .describe(
    `Free-form extra facts kept with the event (at most ${eventsBatchLimits.maxAttributes}; names 1-100 characters; ` +
      'values string (at most 1000 characters), number or boolean).',
  );
export type EventAttributes = z.infer<typeof eventAttributesSchema>;

/** Fields every event has; `type` is added per event. */
const commonFields = {
  id: z
    .string()
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
    .describe(
      'Your unique id for this event (1-200 characters, compared exactly): the dedupe key. ' +
        'Sending an event with an id already stored is answered as a duplicate and stores nothing new.',
    ),
  occurredAt: isoDateTime.describe(
    'When it happened: ISO 8601 with `Z` or an offset, e.g. `2025-03-01T09:30:00Z` or `2025-03-01T10:30:00+01:00`.',
  ),
  attributes: eventAttributesSchema.optional(),
};

const teamField = text(100).describe(
  'Team slug or name, at most 100 characters. When omitted, the team the ingest token is bound to (if any).',
);

/** How an event names the insight (experiment) it is about. */
const insightRefFields = {
  insightId: text(200).describe(
    'Your id for the insight (customer request), at most 200 characters, e.g. the ticket id in your feedback tool. ' +
      'Events about the same insight use the same insightId.',
  ),
  workItemKey: text(100).describe(
    'The work item that tracks the insight, at most 100 characters: Jira `ABC-123`, Linear `ENG-42`, GitHub `owner/repo#12`.',
  ),
};

/** `.refine()` check: at least one of `keys` is present. */
function requireAnyOf<K extends string>(...keys: K[]) {
  const message = `${keys.slice(0, -1).join(', ')}${keys.length > 2 ? ',' : ''} or ${keys[keys.length - 1]} is required`;
  return [(value: Partial<Record<K, unknown>>) => keys.some((k) => value[k] !== undefined), { message }] as const;
}

export const insightCapturedEventSchema = z
  .object({
    ...commonFields,
    type: z.literal('insight.captured'),
    insightId: insightRefFields.insightId.optional(),
    workItemKey: insightRefFields.workItemKey.optional(),
    title: text(500).describe('What the customer asked for, at most 500 characters.'),
    team: teamField.optional(),
    source: text(100).describe("Where the insight came from, at most 100 characters, e.g. 'zendesk', 'intercom', 'interview', 'sales-call'."),
    url: httpUrl.optional().describe('Link to the original request (ticket, note, recording), at most 2048 characters.'),
    customer: text(200).optional().describe('Who asked: customer name or account id, at most 200 characters.'),
  })
  .strict()
  .refine(...requireAnyOf('insightId', 'workItemKey'))
  .meta({ id: 'InsightCapturedEvent', description: 'A customer request (insight) was captured: the start of the insight-to-evidence clock.' });
export type InsightCapturedEvent = z.infer<typeof insightCapturedEventSchema>;

export const workStartedEventSchema = z
  .object({
    ...commonFields,
    type: z.literal('work.started'),
    insightId: insightRefFields.insightId.optional(),
    workItemKey: insightRefFields.workItemKey.optional(),
    actor: text(254).optional().describe('Who started: email or login, at most 254 characters.'),
    branch: text(255).optional().describe('The branch the work happens on, at most 255 characters.'),
    team: teamField.optional(),
  })
  .strict()
  .refine(...requireAnyOf('insightId', 'workItemKey'))
  .meta({ id: 'WorkStartedEvent', description: 'Work on an insight started (ends the wait stage).' });
export type WorkStartedEvent = z.infer<typeof workStartedEventSchema>;

export const evidenceKindSchema = z
  .enum(['eval_passed', 'demo_accepted', 'tests_passed', 'preview_live', 'other'])
  .describe('What kind of working evidence this is.');
export type EvidenceKind = z.infer<typeof evidenceKindSchema>;

export const evidenceRecordedEventSchema = z
  .object({
    ...commonFields,
    type: z.literal('evidence.recorded'),
    insightId: insightRefFields.insightId.optional(),
    workItemKey: insightRefFields.workItemKey.optional(),
    pullRequest: text(2048)
      .optional()
      .describe('The pull/merge request the evidence is for: its URL, or `owner/repo#12` (GitLab `group/project!12`); at most 2048 characters.'),
    kind: evidenceKindSchema,
    url: httpUrl.optional().describe('Link to the evidence (eval report, demo recording, preview), at most 2048 characters.'),
    detail: text(2000).optional().describe('Free text, at most 2000 characters.'),
  })
  .strict()
  .refine(...requireAnyOf('insightId', 'workItemKey', 'pullRequest'))
  .meta({ id: 'EvidenceRecordedEvent', description: 'Working evidence for an insight: ends the insight-to-evidence clock if it is the first.' });
export type EvidenceRecordedEvent = z.infer<typeof evidenceRecordedEventSchema>;

export const decisionSchema = z.enum(['promote', 'refine', 'reject']).describe('What the team decided about the experiment.');
export type Decision = z.infer<typeof decisionSchema>;

export const decisionMadeEventSchema = z
  .object({
    ...commonFields,
    type: z.literal('decision.made'),
    insightId: insightRefFields.insightId.optional(),
    workItemKey: insightRefFields.workItemKey.optional(),
    decision: decisionSchema,
    reason: text(2000).optional().describe('Why, at most 2000 characters.'),
    actor: text(254).optional().describe('Who decided: email or login, at most 254 characters.'),
  })
  .strict()
  .refine(...requireAnyOf('insightId', 'workItemKey'))
  .meta({ id: 'DecisionMadeEvent', description: 'The team promoted, refined or rejected an experiment.' });
export type DecisionMadeEvent = z.infer<typeof decisionMadeEventSchema>;

export const environmentKindSchema = z.enum(['preview', 'staging', 'production']).describe('What the environment is for.');
export type EnvironmentKind = z.infer<typeof environmentKindSchema>;

export const deploymentEventSchema = z
  .object({
    ...commonFields,
    type: z.literal('deployment'),
    deploymentId: text(200)
      .optional()
      .describe(
        'Your id for the deployment, at most 200 characters. Events with the same deploymentId are status updates of one deployment; ' +
          'incidents refer to it. When omitted, the event id.',
      ),
    service: text(200).optional().describe('The service deployed, at most 200 characters.'),
    repo: text(200).optional().describe('The repository deployed, `owner/name`, at most 200 characters.'),
    environment: text(100).describe("Environment name, at most 100 characters, e.g. 'production', 'pr-123.preview'."),
    environmentKind: environmentKindSchema.optional(),
    status: z.enum(['success', 'failure', 'in_progress']).describe('The deployment status at occurredAt.'),
    sha: commitSha.optional().describe('The commit deployed (7-64 hex characters).'),
    url: httpUrl.optional().describe('Where it runs or the deploy log, at most 2048 characters.'),
    team: teamField.optional(),
  })
  .strict()
  .refine(...requireAnyOf('service', 'repo'))
  .meta({ id: 'DeploymentEvent', description: 'A deployment started, succeeded or failed (DORA; preview deployments count as evidence).' });
export type DeploymentEvent = z.infer<typeof deploymentEventSchema>;

export const incidentEventSchema = z
  .object({
    ...commonFields,
    type: z.literal('incident'),
    incidentId: text(200).describe('Your id for the incident, at most 200 characters; the opened and resolved events share it.'),
    status: z.enum(['opened', 'resolved']).describe('What happened to the incident at occurredAt.'),
    title: text(500).optional().describe('Short description, at most 500 characters.'),
    severity: text(50).optional().describe("Your severity label, at most 50 characters, e.g. 'sev1'."),
    service: text(200).optional().describe('The affected service, at most 200 characters.'),
    deploymentId: text(200).optional().describe('The deployment that caused it (its deploymentId, or the deployment event id).'),
    sha: commitSha.optional().describe('The commit that caused it (7-64 hex characters).'),
    url: httpUrl.optional().describe('Link to the incident, at most 2048 characters.'),
    team: teamField.optional(),
  })
  .strict()
  .meta({ id: 'IncidentEvent', description: 'An incident opened or resolved (change failure rate, recovery time).' });
export type IncidentEvent = z.infer<typeof incidentEventSchema>;

export const agentRunOutcomeSchema = z.enum(['success', 'failure', 'abandoned', 'unknown']).describe('How the agent run ended.');
export type AgentRunOutcome = z.infer<typeof agentRunOutcomeSchema>;

const tokenCount = z.number().int('must be a whole number').nonnegative('must not be negative');

export const agentRunEventSchema = z
  .object({
    ...commonFields,
    type: z.literal('agent.run'),
    agent: text(100).describe("The agent, at most 100 characters, e.g. 'claude-code', 'codex', 'copilot', 'cursor'."),
    model: text(200).optional().describe("The model, at most 200 characters, e.g. 'claude-sonnet-4-5'."),
    sessionId: text(200).optional().describe("The agent's own session id, at most 200 characters (links to its telemetry)."),
    person: text(254).optional().describe('Who ran the agent: email or login, at most 254 characters.'),
    team: teamField.optional(),
    startedAt: isoDateTime.describe('When the run started (ISO 8601 with `Z` or an offset).'),
    endedAt: isoDateTime.optional().describe('When the run ended (ISO 8601 with `Z` or an offset); not before startedAt.'),
    outcome: agentRunOutcomeSchema,
    score: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').optional().describe('Quality score from 0 to 1.'),
    evaluator: text(200).optional().describe("What produced outcome/score, at most 200 characters, e.g. 'ci', 'human-review', 'eval:swe-bench-lite'."),
    inputTokens: tokenCount.optional().describe('Input tokens used (whole number, at least 0).'),
    outputTokens: tokenCount.optional().describe('Output tokens used (whole number, at least 0).'),
    costUsd: z.number().nonnegative('must not be negative').optional().describe('Cost in US dollars (at least 0).'),
    repo: text(200).optional().describe('The repository worked on, `owner/name`, at most 200 characters.'),
    branch: text(255).optional().describe('The branch the agent worked on, at most 255 characters.'),
    commitSha: commitSha.optional().describe('A commit the run produced (7-64 hex characters).'),
    prUrl: httpUrl.optional().describe('The pull request the run produced, at most 2048 characters.'),
  })
  .strict()
  .refine((run) => !(run.endedAt && run.startedAt) || !(Date.parse(run.endedAt) < Date.parse(run.startedAt)), {
    message: 'must not be before startedAt',
    path: ['endedAt'],
  })
  .meta({ id: 'AgentRunEvent', description: 'One run of an AI coding agent, with its outcome and usage.' });
export type AgentRunEvent = z.infer<typeof agentRunEventSchema>;

const eventSchemas = [
  insightCapturedEventSchema,
  workStartedEventSchema,
  evidenceRecordedEventSchema,
  decisionMadeEventSchema,
  deploymentEventSchema,
  incidentEventSchema,
  agentRunEventSchema,
] as const;

export const genericEventTypes = eventSchemas.map((schema) => schema.shape.type.value);
export type GenericEventType = (typeof genericEventTypes)[number];

/**
 * The offending `type` in a rejection reason: short, and never by serializing what the sender sent (a deeply nested
 * value overflowed JSON.stringify's stack and turned a rejected event into a 500; found by test/reliability).
 */
function describeType(type: unknown): string {
  if (typeof type === 'string') return `'${type.length > 100 ? `${type.slice(0, 100)}…` : type}'`;
  if (Array.isArray(type)) return '(an array)';
  if (typeof type === 'object' && type !== null) return '(an object)';
  return String(type);
}

export const genericEventSchema = z
  .discriminatedUnion('type', eventSchemas, {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      const expected = `expected one of ${genericEventTypes.join(', ')}`;
      const input: unknown = issue.input;
      const type = typeof input === 'object' && input !== null ? (input as Record<string, unknown>).type : undefined;
      if (type === undefined) return `type is required; ${expected}`;
      return `unknown event type ${describeType(type)}; ${expected}`;
    },
  })
  .meta({ id: 'GenericEvent', description: 'One event of the generic events API, chosen by `type`.' });
export type GenericEvent = z.infer<typeof genericEventSchema>;

/** The request body as documented: a JSON array of events (or one event). NDJSON carries the same objects, one per line. */
export const eventsBatchSchema = z
  .union([z.array(genericEventSchema).max(eventsBatchLimits.maxEvents), genericEventSchema])
  .meta({
    id: 'EventsBatch',
    description: `Up to ${eventsBatchLimits.maxEvents} events as a JSON array (a single event object is a batch of one), or as NDJSON: one event object per line.`,
  });

export const eventRejectionSchema = z
  .object({
    index: z
      .number()
      .int()
      .nonnegative()
      .describe('0-based position in the body: the array element, or the NDJSON line (blank lines counted).'),
    id: z.string().optional().describe('The event id, when it could be read.'),
    reason: z.string().describe("What is wrong, naming the field, e.g. `occurredAt: Invalid ISO datetime` or `titel: unknown field`."),
  })
  .meta({ id: 'EventRejection' });
export type EventRejection = z.infer<typeof eventRejectionSchema>;

export const eventsIngestResultSchema = z
  .object({
    counts: z
      .object({
        received: z.number().int().nonnegative().describe('Events in the body: accepted + duplicate + rejected.'),
        accepted: z.number().int().nonnegative(),
        duplicate: z.number().int().nonnegative(),
        rejected: z.number().int().nonnegative(),
      })
      .describe('How many events ended in each list.'),
    accepted: z.array(z.string()).describe('Ids of the events stored by this request.'),
    duplicate: z
      .array(z.string())
      .describe('Ids of events not stored again: already stored by an earlier request, or repeated later in this batch (one entry per repeat).'),
    rejected: z.array(eventRejectionSchema).describe('Events that failed validation; nothing of them is stored. The other events are kept.'),
  })
  .meta({ id: 'EventsIngestResult', description: 'The answer to `POST /api/events`.' });
export type EventsIngestResult = z.infer<typeof eventsIngestResultSchema>;
