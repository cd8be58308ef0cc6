import { eventsIngestResultSchema, genericEventSchema } from '@loopmeter/shared';
import { z } from 'zod';
import { EventsBatchErrorCode, EventsBatchException, parseEventsBatch, type ParsedBatch } from './events-batch.parser';

const JSON_TYPE = 'application/json';
const NDJSON_TYPE = 'application/x-ndjson';
const EXPECTED_TYPES =
  'expected one of insight.captured, work.started, evidence.recorded, decision.made, deployment, incident, agent.run';

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const ndjson = (...lines: string[]): Buffer => Buffer.from(lines.join('\n'));

/** A valid event of each type, every optional field filled where it says something. */
const validEvents: Record<string, Record<string, unknown>> = {
  'insight.captured': {
    id: 'evt-insight-1',
    type: 'insight.captured',
    occurredAt: '2025-03-01T09:30:00Z',
    insightId: 'zd-48213',
    workItemKey: 'ABC-123',
    title: 'Export dashboards as PDF',
    team: 'payments',
    source: 'zendesk',
    url: 'https://acme.zendesk.com/agent/tickets/48213',
    customer: 'Globex',
    attributes: { arr: 120000, plan: 'enterprise', churnRisk: true },
  },
  'work.started': {
    id: 'evt-work-1',
    type: 'work.started',
    occurredAt: '2025-03-02T10:00:00+01:00',
    workItemKey: 'ABC-123',
    actor: 'dev@acme.com',
    branch: 'abc-123-pdf-export',
  },
  'evidence.recorded': {
    id: 'evt-evidence-1',
    type: 'evidence.recorded',
    occurredAt: '2025-03-03T15:45:12.250Z',
    pullRequest: 'acme/web#812',
    kind: 'eval_passed',
    url: 'https://evals.acme.com/runs/991',
    detail: '42/42 cases',
  },
  'decision.made': {
    id: 'evt-decision-1',
    type: 'decision.made',
    occurredAt: '2025-03-04T08:00:00-05:00',
    insightId: 'zd-48213',
    decision: 'promote',
    reason: 'Customer confirmed on the demo call',
    actor: 'pm@acme.com',
  },
  deployment: {
    id: 'evt-deploy-1',
    type: 'deployment',
    occurredAt: '2025-03-03T14:00:00Z',
    deploymentId: 'deploy-7781',
    repo: 'acme/web',
    environment: 'pr-812.preview',
    environmentKind: 'preview',
    status: 'success',
    sha: '3f786850e387550fdab836ed7e6dc881de23001b',
    url: 'https://pr-812.preview.acme.dev',
  },
  incident: {
    id: 'evt-incident-1',
    type: 'incident',
    occurredAt: '2025-03-05T02:13:00Z',
    incidentId: 'INC-19',
    status: 'opened',
    severity: 'sev2',
    service: 'checkout',
    deploymentId: 'deploy-7781',
    sha: '3f78685',
  },
  'agent.run': {
    id: 'evt-run-1',
    type: 'agent.run',
    occurredAt: '2025-03-02T11:30:00Z',
    agent: 'claude-code',
    model: 'claude-sonnet-4-5',
    sessionId: 'a1b2c3',
    person: 'dev@acme.com',
    team: 'payments',
    startedAt: '2025-03-02T11:00:00Z',
    endedAt: '2025-03-02T11:29:30Z',
    outcome: 'success',
    score: 0.85,
    evaluator: 'ci',
    inputTokens: 120345,
    outputTokens: 8021,
    costUsd: 1.37,
    prUrl: 'https://github.com/acme/web/pull/812',
    commitSha: '3f786850e387550fdab836ed7e6dc881de23001b',
    branch: 'abc-123-pdf-export',
  },
};

const insight = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'i-1',
  type: 'insight.captured',
  occurredAt: '2025-03-01T09:30:00Z',
  insightId: 'zd-1',
  title: 'Dark mode',
  source: 'interview',
  ...overrides,
});

const agentRun = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'r-1',
  type: 'agent.run',
  occurredAt: '2025-03-02T11:30:00Z',
  agent: 'codex',
  startedAt: '2025-03-02T11:00:00Z',
  outcome: 'failure',
  ...overrides,
});

/** The one rejection of a batch of one invalid event. */
function rejectionOf(event: unknown): ParsedBatch['rejected'][number] {
  const batch = parseEventsBatch(json([event]), JSON_TYPE);
  expect(batch.events).toEqual([]);
  expect(batch.rejected).toHaveLength(1);
  return batch.rejected[0];
}

function thrownBy(action: () => unknown): EventsBatchException {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(EventsBatchException);
    return error as EventsBatchException;
  }
  throw new Error('expected an EventsBatchException, nothing was thrown');
}

describe('parseEventsBatch', () => {
  describe('valid events', () => {
    it.each(Object.entries(validEvents))('accepts a %s event with all its fields', (_type, event) => {
      const batch = parseEventsBatch(json([event]), JSON_TYPE);

      expect(batch).toEqual({ events: [{ index: 0, event, raw: JSON.stringify(event) }], rejected: [], duplicateInBatch: [] });
    });

    it('accepts each type with only its required fields', () => {
      const minimal = [
        { id: 'a', type: 'insight.captured', occurredAt: '2025-03-01T09:30:00Z', workItemKey: 'ENG-42', title: 'SSO', source: 'sales-call' },
        { id: 'b', type: 'work.started', occurredAt: '2025-03-01T09:30:00Z', insightId: 'zd-1' },
        { id: 'c', type: 'evidence.recorded', occurredAt: '2025-03-01T09:30:00Z', insightId: 'zd-1', kind: 'demo_accepted' },
        { id: 'd', type: 'decision.made', occurredAt: '2025-03-01T09:30:00Z', workItemKey: 'ENG-42', decision: 'reject' },
        { id: 'e', type: 'deployment', occurredAt: '2025-03-01T09:30:00Z', service: 'api', environment: 'prod', status: 'failure' },
        { id: 'f', type: 'incident', occurredAt: '2025-03-01T09:30:00Z', incidentId: 'INC-1', status: 'resolved' },
        { id: 'g', type: 'agent.run', occurredAt: '2025-03-01T09:30:00Z', agent: 'copilot', startedAt: '2025-03-01T09:00:00Z', outcome: 'unknown' },
      ];

      const batch = parseEventsBatch(json(minimal), JSON_TYPE);

      expect(batch.rejected).toEqual([]);
      expect(batch.events.map((e) => [e.index, e.event.type])).toEqual([
        [0, 'insight.captured'],
        [1, 'work.started'],
        [2, 'evidence.recorded'],
        [3, 'decision.made'],
        [4, 'deployment'],
        [5, 'incident'],
        [6, 'agent.run'],
      ]);
    });

    it('trims surrounding spaces of text fields but keeps the id exactly', () => {
      const batch = parseEventsBatch(json([insight({ id: ' i-1 ', title: '  Dark mode  ' })]), JSON_TYPE);

      expect(batch.events[0].event).toMatchObject({ id: ' i-1 ', title: 'Dark mode' });
    });

    it('keeps raw as the compact JSON of the array element, whatever the spacing sent', () => {
      const body = Buffer.from('[\n  { "id": "i-1", "type": "insight.captured", "occurredAt": "2025-03-01T09:30:00Z",\n    "insightId": "zd-1", "title": "Dark mode", "source": "interview" }\n]');

      const batch = parseEventsBatch(body, JSON_TYPE);

      expect(batch.events[0].raw).toBe(
        '{"id":"i-1","type":"insight.captured","occurredAt":"2025-03-01T09:30:00Z","insightId":"zd-1","title":"Dark mode","source":"interview"}',
      );
    });

    it('takes a single JSON object as a batch of one', () => {
      const batch = parseEventsBatch(json(insight()), JSON_TYPE);

      expect(batch.events).toEqual([{ index: 0, event: insight(), raw: JSON.stringify(insight()) }]);
    });

    it('answers an empty array with an empty batch', () => {
      expect(parseEventsBatch(Buffer.from('[]'), JSON_TYPE)).toEqual({ events: [], rejected: [], duplicateInBatch: [] });
    });

    it('accepts agent runs with a score of exactly 0 and 1 and zero tokens and cost', () => {
      const batch = parseEventsBatch(
        json([agentRun({ id: 'r-0', score: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 }), agentRun({ id: 'r-1', score: 1, endedAt: '2025-03-02T11:00:00Z' })]),
        JSON_TYPE,
      );

      expect(batch.rejected).toEqual([]);
      expect(batch.events).toHaveLength(2);
    });
  });

  describe('rejections name the field and the problem', () => {
    const everyType = 'insight.captured, work.started, evidence.recorded, decision.made, deployment, incident, agent.run';

    it.each([
      ['occurredAt not a date', insight({ occurredAt: 'yesterday' }), 'occurredAt: Invalid ISO datetime: expected ISO 8601 with Z or an offset, e.g. 2025-03-01T09:30:00Z'],
      ['occurredAt without an offset', insight({ occurredAt: '2025-03-01T09:30:00' }), 'occurredAt: Invalid ISO datetime: expected ISO 8601 with Z or an offset, e.g. 2025-03-01T09:30:00Z'],
      ['occurredAt a date only', insight({ occurredAt: '2025-03-01' }), 'occurredAt: Invalid ISO datetime: expected ISO 8601 with Z or an offset, e.g. 2025-03-01T09:30:00Z'],
      ['occurredAt an epoch number', insight({ occurredAt: 1740821400 }), 'occurredAt: Invalid input: expected string, received number'],
      ['misspelled type', insight({ type: 'insight.capture' }), `unknown event type 'insight.capture'; expected one of ${everyType}`],
      ['non-string type', insight({ type: 7 }), `unknown event type 7; expected one of ${everyType}`],
      ['object type', insight({ type: { a: 1 } }), `unknown event type (an object); expected one of ${everyType}`],
      // Regression (test/reliability fuzz): PostgreSQL text cannot hold NUL; a key with one blocked pipeline batches.
      ['NUL in a key', insight({ workItemKey: 'ABC-\u0000123' }), 'workItemKey: must not contain the NUL character'],
      ['missing type', insight({ type: undefined }), `type is required; expected one of ${everyType}`],
      ['unknown field', insight({ titel: 'typo' }), 'titel: unknown field'],
      ['missing required field', insight({ title: undefined }), 'title: required'],
      ['null field', insight({ team: null }), 'team: must not be null (leave the field out instead)'],
      ['blank text', insight({ title: '   ' }), 'title: must not be empty'],
      ['text too long', insight({ title: 'x'.repeat(501) }), 'title: must be at most 500 characters'],
      ['no insight reference', insight({ insightId: undefined }), 'insightId or workItemKey is required'],
      ['non-http url', insight({ url: 'ftp://files.acme.com/x' }), 'url: must be an http(s) URL'],
      ['empty id', insight({ id: '' }), 'id: must not be empty'],
      ['bad enum value', { ...validEvents['decision.made'], decision: 'ship' }, 'decision: Invalid option: expected one of "promote"|"refine"|"reject"'],
      ['missing enum value', { ...validEvents['decision.made'], decision: undefined }, 'decision: required'],
      ['evidence without any reference', { id: 'e-1', type: 'evidence.recorded', occurredAt: '2025-03-01T09:30:00Z', kind: 'other' }, 'insightId, workItemKey, or pullRequest is required'],
      ['deployment without service or repo', { id: 'd-1', type: 'deployment', occurredAt: '2025-03-01T09:30:00Z', environment: 'prod', status: 'success' }, 'service or repo is required'],
      ['bad sha', { ...validEvents.deployment, sha: 'HEAD' }, 'sha: must be a commit sha: 7 to 64 hex characters'],
      ['bad environment kind', { ...validEvents.deployment, environmentKind: 'prod' }, 'environmentKind: Invalid option: expected one of "preview"|"staging"|"production"'],
      ['incident status', { ...validEvents.incident, status: 'closed' }, 'status: Invalid option: expected one of "opened"|"resolved"'],
      ['score above 1', agentRun({ score: 1.5 }), 'score: must be between 0 and 1'],
      ['negative score', agentRun({ score: -0.1 }), 'score: must be between 0 and 1'],
      ['negative tokens', agentRun({ inputTokens: -1 }), 'inputTokens: must not be negative'],
      ['fractional tokens', agentRun({ outputTokens: 10.5 }), 'outputTokens: must be a whole number'],
      ['negative cost', agentRun({ costUsd: -2 }), 'costUsd: must not be negative'],
      ['run ending before it started', agentRun({ endedAt: '2025-03-02T10:59:59Z' }), 'endedAt: must not be before startedAt'],
      ['nested attribute value', insight({ attributes: { plan: { tier: 'gold' } } }), 'attributes.plan: must be a string, number or boolean'],
      ['attribute text too long', insight({ attributes: { note: 'n'.repeat(1001) } }), 'attributes.note: must be at most 1000 characters'],
      ['too many attributes', insight({ attributes: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) }), 'attributes: at most 50 attributes'],
    ])('%s', (_case, event, reason) => {
      const id = (event as { id?: unknown }).id;
      expect(rejectionOf(event)).toEqual({ index: 0, ...(typeof id === 'string' && id !== '' ? { id } : {}), reason });
    });

    it('rejects a deeply nested type without serializing it (regression: the fuzz of test/reliability got a 500 from a stack overflow)', () => {
      const line = JSON.stringify(insight({ type: 'NESTED' })).replace('"NESTED"', '['.repeat(100_000) + ']'.repeat(100_000));
      const batch = parseEventsBatch(Buffer.from(line), 'application/x-ndjson');
      expect(batch.events).toEqual([]);
      expect(batch.rejected.map((r) => r.reason)).toEqual([`unknown event type (an array); expected one of ${everyType}`]);
    });

    it('lists every problem of one event, unknown fields one by one', () => {
      const event = insight({ title: undefined, occurredAt: 'soon', titel: 'typo', sorce: 'zendesk' });

      expect(rejectionOf(event).reason).toBe(
        'occurredAt: Invalid ISO datetime: expected ISO 8601 with Z or an offset, e.g. 2025-03-01T09:30:00Z; title: required; titel: unknown field; sorce: unknown field',
      );
    });

    it('spells out at most five problems', () => {
      const event = { id: 'x', type: 'agent.run', a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7 };

      expect(rejectionOf(event).reason).toBe(
        'occurredAt: required; agent: required; startedAt: required; outcome: required; a: unknown field; and 6 more',
      );
    });

    it('leaves the id out when there is no usable one', () => {
      expect(rejectionOf(insight({ id: undefined }))).toEqual({ index: 0, reason: 'id: required' });
      expect(rejectionOf(insight({ id: 'x'.repeat(201) }))).toEqual({ index: 0, reason: 'id: must be at most 200 characters' });
      expect(rejectionOf(insight({ id: 12 }))).toEqual({ index: 0, reason: 'id: Invalid input: expected string, received number' });
    });

    it.each([
      [42, 'an event must be a JSON object, got a number'],
      ['insight', 'an event must be a JSON object, got a string'],
      [null, 'an event must be a JSON object, got null'],
      [[insight()], 'an event must be a JSON object, got an array'],
    ])('rejects array element %j that is not an object', (element, reason) => {
      expect(rejectionOf(element)).toEqual({ index: 0, reason });
    });
  });

  describe('mixed batches', () => {
    it('keeps the valid events and rejects the others at their index', () => {
      const body = json([
        insight({ id: 'ok-0' }),
        insight({ id: 'bad-1', occurredAt: 'later' }),
        agentRun({ id: 'ok-2' }),
        { id: 'bad-3', type: 'insight.capture' },
        validEvents.incident,
      ]);

      const batch = parseEventsBatch(body, JSON_TYPE);

      expect(batch.events.map((e) => [e.index, e.event.id])).toEqual([
        [0, 'ok-0'],
        [2, 'ok-2'],
        [4, 'evt-incident-1'],
      ]);
      expect(batch.rejected).toEqual([
        { index: 1, id: 'bad-1', reason: 'occurredAt: Invalid ISO datetime: expected ISO 8601 with Z or an offset, e.g. 2025-03-01T09:30:00Z' },
        { index: 3, id: 'bad-3', reason: `unknown event type 'insight.capture'; ${EXPECTED_TYPES}` },
      ]);
      expect(batch.duplicateInBatch).toEqual([]);
    });
  });

  describe('NDJSON', () => {
    it('reads one event per line, skips blank lines and counts them in the index', () => {
      const first = '{"id":"n-0","type":"incident","occurredAt":"2025-03-05T02:13:00Z","incidentId":"INC-1","status":"opened"}';
      const second = '{"id":"n-1","type":"incident","occurredAt":"2025-03-05T03:00:00Z","incidentId":"INC-1","status":"resolved"}';
      const body = ndjson(first, '', `  ${second}  `, '');

      const batch = parseEventsBatch(body, NDJSON_TYPE);

      expect(batch.rejected).toEqual([]);
      expect(batch.events).toEqual([
        { index: 0, event: JSON.parse(first), raw: first },
        { index: 2, event: JSON.parse(second), raw: second },
      ]);
    });

    it('rejects a broken line with the JSON error and still parses the others', () => {
      const good = JSON.stringify(insight({ id: 'n-0' }));
      const alsoGood = JSON.stringify(insight({ id: 'n-2' }));
      const body = ndjson(good, '{"id":"n-1","type":"insight.captured",', alsoGood, 'not json');

      const batch = parseEventsBatch(body, NDJSON_TYPE);

      expect(batch.events.map((e) => [e.index, e.event.id, e.raw])).toEqual([
        [0, 'n-0', good],
        [2, 'n-2', alsoGood],
      ]);
      expect(batch.rejected).toEqual([
        { index: 1, reason: 'not valid JSON: Expected double-quoted property name in JSON at position 38' },
        { index: 3, reason: 'not valid JSON: Unexpected token \'o\', "not json" is not valid JSON' },
      ]);
    });

    it('accepts Windows line endings', () => {
      const body = Buffer.from(`${JSON.stringify(insight({ id: 'w-0' }))}\r\n${JSON.stringify(insight({ id: 'w-1' }))}\r\n`);

      const batch = parseEventsBatch(body, NDJSON_TYPE);

      expect(batch.events.map((e) => [e.index, e.event.id, e.raw.endsWith('}')])).toEqual([
        [0, 'w-0', true],
        [1, 'w-1', true],
      ]);
    });

    it('rejects a line holding an array and says how to send arrays', () => {
      const body = ndjson(JSON.stringify([insight()]), JSON.stringify(insight({ id: 'i-2' })));

      const batch = parseEventsBatch(body, NDJSON_TYPE);

      expect(batch.rejected).toEqual([{ index: 0, reason: 'an event must be a JSON object, got an array (send arrays as application/json)' }]);
      expect(batch.events.map((e) => e.event.id)).toEqual(['i-2']);
    });

    it('validates lines like array elements', () => {
      const body = ndjson(JSON.stringify(insight({ id: 'v-0', occurredAt: '2025-03-01T09:30:00' })));

      expect(parseEventsBatch(body, NDJSON_TYPE).rejected).toEqual([
        { index: 0, id: 'v-0', reason: 'occurredAt: Invalid ISO datetime: expected ISO 8601 with Z or an offset, e.g. 2025-03-01T09:30:00Z' },
      ]);
    });
  });

  describe('limits', () => {
    const many = (count: number) => Array.from({ length: count }, (_, i) => insight({ id: `e-${i}` }));

    it('takes exactly 10,000 events', () => {
      const batch = parseEventsBatch(json(many(10_000)), JSON_TYPE);

      expect(batch.events).toHaveLength(10_000);
      expect(batch.events[9_999]).toMatchObject({ index: 9_999, event: { id: 'e-9999' } });
    });

    it('refuses 10,001 events in a JSON array', () => {
      const error = thrownBy(() => parseEventsBatch(json(many(10_001)), JSON_TYPE));

      expect(error.code).toBe(EventsBatchErrorCode.TooManyEvents);
      expect(error.status).toBe(413);
      expect(error.message).toBe('The batch has 10001 events; at most 10000 are accepted per request. Split it into several requests.');
      expect(error.details).toEqual({ count: 10_001, max: 10_000 });
    });

    it('refuses 10,001 NDJSON lines, not counting blank ones', () => {
      const lines = many(10_001).map((event) => JSON.stringify(event));
      const error = thrownBy(() => parseEventsBatch(ndjson(...lines, '', ''), NDJSON_TYPE));

      expect(error.code).toBe(EventsBatchErrorCode.TooManyEvents);
      expect(error.details).toEqual({ count: 10_001, max: 10_000 });
      expect(parseEventsBatch(ndjson(...lines.slice(1), '', ''), NDJSON_TYPE).events).toHaveLength(10_000);
    });
  });

  describe('duplicate ids within one batch', () => {
    it('keeps the first and reports the later ones', () => {
      const body = json([
        insight({ id: 'same', title: 'First' }),
        insight({ id: 'other' }),
        insight({ id: 'same', title: 'Second' }),
        agentRun({ id: 'same' }),
      ]);

      const batch = parseEventsBatch(body, JSON_TYPE);

      expect(batch.events.map((e) => [e.index, e.event.id])).toEqual([
        [0, 'same'],
        [1, 'other'],
      ]);
      expect(batch.events[0].event).toMatchObject({ title: 'First' });
      expect(batch.duplicateInBatch).toEqual([
        { index: 2, id: 'same' },
        { index: 3, id: 'same' },
      ]);
    });

    it('keeps the first valid one when an earlier event with the id was rejected', () => {
      const body = json([insight({ id: 'same', occurredAt: 'now' }), insight({ id: 'same' })]);

      const batch = parseEventsBatch(body, JSON_TYPE);

      expect(batch.rejected.map((r) => [r.index, r.id])).toEqual([[0, 'same']]);
      expect(batch.events.map((e) => e.index)).toEqual([1]);
      expect(batch.duplicateInBatch).toEqual([]);
    });

    it('compares ids exactly', () => {
      const batch = parseEventsBatch(json([insight({ id: 'abc' }), insight({ id: 'ABC' }), insight({ id: 'abc ' })]), JSON_TYPE);

      expect(batch.events).toHaveLength(3);
      expect(batch.duplicateInBatch).toEqual([]);
    });
  });

  describe('content types', () => {
    const asJson = json([insight()]);
    const asNdjson = ndjson(JSON.stringify(insight()));

    it.each([
      ['application/json', asJson],
      ['application/json; charset=utf-8', asJson],
      ['Application/JSON;charset=UTF-8', asJson],
      ['application/x-ndjson', asNdjson],
      ['application/x-ndjson; charset=utf-8', asNdjson],
      ['application/ndjson', asNdjson],
      ['application/jsonl; charset="utf-8"', asNdjson],
    ])('reads %s', (contentType, body) => {
      expect(parseEventsBatch(body, contentType).events.map((e) => e.event.id)).toEqual(['i-1']);
    });

    it('reads a JSON array sent as NDJSON on one line as one rejected line, not as a batch', () => {
      expect(parseEventsBatch(asJson, 'application/x-ndjson').rejected).toEqual([
        { index: 0, reason: 'an event must be a JSON object, got an array (send arrays as application/json)' },
      ]);
    });

    it.each(['text/plain', 'application/x-www-form-urlencoded', '', 'application/json; charset=iso-8859-1'])('refuses %j with 415', (contentType) => {
      const error = thrownBy(() => parseEventsBatch(asJson, contentType));

      expect(error.code).toBe(EventsBatchErrorCode.UnsupportedMediaType);
      expect(error.status).toBe(415);
      expect(error.message).toBe(
        `Content-Type '${contentType}' is not supported here. Send a JSON array of events with Content-Type: application/json, or one event per line with Content-Type: application/x-ndjson (UTF-8).`,
      );
    });

    it('ignores a UTF-8 byte order mark', () => {
      const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), asJson]);

      expect(parseEventsBatch(body, JSON_TYPE).events).toHaveLength(1);
    });
  });

  describe('bodies that cannot be read at all', () => {
    const hint =
      'Send a JSON array of events with Content-Type: application/json, or one event per line with Content-Type: application/x-ndjson (UTF-8).';

    it.each([
      ['not JSON', Buffer.from('id=1&type=x'), JSON_TYPE, "The body is not valid JSON: Unexpected token 'i', \"id=1&type=x\" is not valid JSON."],
      ['NDJSON sent as JSON', ndjson(JSON.stringify(insight()), JSON.stringify(insight({ id: 'i-2' }))), JSON_TYPE, 'The body is not valid JSON: Unexpected non-whitespace character after JSON at position 135.'],
      ['a JSON string', Buffer.from('"events"'), JSON_TYPE, 'The body is JSON a string, not an array of events.'],
      ['JSON null', Buffer.from('null'), JSON_TYPE, 'The body is JSON null, not an array of events.'],
      ['an empty body', Buffer.from(''), JSON_TYPE, 'The body is empty.'],
      ['only blank lines', Buffer.from('\n\n  \n'), NDJSON_TYPE, 'The body is empty.'],
      ['a pretty-printed array as NDJSON', Buffer.from(JSON.stringify([insight()], null, 2)), NDJSON_TYPE, 'None of the 10 lines of the body is JSON.'],
      ['invalid UTF-8', Buffer.from([0x5b, 0xff, 0xfe, 0x5d]), JSON_TYPE, 'The body is not valid UTF-8.'],
    ])('refuses %s with 400', (_case, body, contentType, message) => {
      const error = thrownBy(() => parseEventsBatch(body, contentType));

      expect(error.code).toBe(EventsBatchErrorCode.UnreadableBody);
      expect(error.status).toBe(400);
      expect(error.message).toBe(`${message} ${hint}`);
    });
  });
});

describe('generic event wire schemas', () => {
  it('describe the answer of POST /api/events', () => {
    const answer = {
      counts: { received: 4, accepted: 2, duplicate: 1, rejected: 1 },
      accepted: ['evt-1', 'evt-2'],
      duplicate: ['evt-0'],
      rejected: [{ index: 3, id: 'evt-3', reason: 'occurredAt: Invalid ISO datetime' }],
    };

    expect(eventsIngestResultSchema.parse(answer)).toEqual(answer);
  });

  it('can be written as JSON Schema for the OpenAPI document', () => {
    const schema = z.toJSONSchema(genericEventSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as {
      $defs: Record<string, { properties?: { type?: { const?: string } }; additionalProperties?: boolean }>;
    };

    expect(Object.entries(schema.$defs).map(([id, def]) => [id, def.properties?.type?.const, def.additionalProperties])).toEqual([
      ['GenericEvent', undefined, undefined],
      ['InsightCapturedEvent', 'insight.captured', false],
      ['WorkStartedEvent', 'work.started', false],
      ['EvidenceRecordedEvent', 'evidence.recorded', false],
      ['DecisionMadeEvent', 'decision.made', false],
      ['DeploymentEvent', 'deployment', false],
      ['IncidentEvent', 'incident', false],
      ['AgentRunEvent', 'agent.run', false],
    ]);
  });
});
