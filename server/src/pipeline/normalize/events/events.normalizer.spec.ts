import { InvalidEventError, type NormalizeResult, type RawEventRow } from '../facts';
import { normalizeEvents } from './events.normalizer';

type Json = Record<string, unknown>;

/** As the events API stores it: one raw row per event, `eventType` = its `type`, the token's team in `meta`. */
function normalize(body: Json, meta: Json = { tokenId: 'tok-1', tokenTeam: null, via: 'token' }): NormalizeResult {
  const event: RawEventRow = {
    id: '00000000-0000-4000-8000-000000000004',
    orgId: '00000000-0000-4000-8000-0000000000aa',
    source: 'events',
    eventType: String(body.type),
    action: null,
    body: Buffer.from(JSON.stringify(body)),
    receivedAt: new Date('2026-03-01T12:00:00.000Z'),
    meta,
  };
  return normalizeEvents(event, body);
}

/** Fails unless `run` throws an InvalidEventError with exactly `message`. */
function expectInvalid(run: () => unknown, message: string): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidEventError);
  expect((thrown as Error).message).toBe(message);
}

describe('normalizeEvents', () => {
  describe('insight.captured', () => {
    const insight = {
      id: 'evt-1',
      type: 'insight.captured',
      occurredAt: '2026-03-01T10:30:00+01:00',
      insightId: 'ZD-4711',
      title: 'Export the report as CSV',
      team: 'growth',
      source: 'zendesk',
      url: 'https://acme.zendesk.com/agent/tickets/4711',
      customer: 'Initech',
    };

    it('gives an insight work item, captured at occurredAt (in UTC)', () => {
      expect(normalize(insight)).toEqual({
        facts: [
          {
            kind: 'work_item',
            source: 'events',
            key: 'ZD-4711',
            projectKey: 'events',
            title: 'Export the report as CSV',
            url: 'https://acme.zendesk.com/agent/tickets/4711',
            labels: [],
            status: 'captured',
            statusCategory: 'todo',
            createdAt: '2026-03-01T09:30:00.000Z',
            at: '2026-03-01T09:30:00.000Z',
            creator: null,
            assignee: null,
            insight: true,
            team: 'growth',
          },
        ],
      });
    });

    it('keys the insight by workItemKey when it has no insightId, and takes the team of the ingest token', () => {
      const { insightId: _insightId, team: _team, ...rest } = insight;
      const result = normalize({ ...rest, workItemKey: 'ENG-42' }, { tokenId: 'tok-2', tokenTeam: 'platform', via: 'token' });
      expect(result).toMatchObject({ facts: [{ key: 'ENG-42', team: 'platform', insight: true }] });
    });

    it('has no team when neither the event nor the token names one', () => {
      const { team: _team, ...rest } = insight;
      expect(normalize(rest)).toMatchObject({ facts: [{ team: null }] });
    });
  });

  it('gives work.started', () => {
    const body = {
      id: 'evt-2',
      type: 'work.started',
      occurredAt: '2026-03-02T08:00:00Z',
      insightId: 'ZD-4711',
      workItemKey: 'ENG-42',
      actor: 'Emma@Example.com',
      branch: 'emma/eng-42-csv-export',
    };
    expect(normalize(body)).toEqual({
      facts: [
        {
          kind: 'work_started',
          externalId: 'evt-2',
          // insightId first, as for insight.captured, so both name the same insight.
          workItemKey: 'ZD-4711',
          at: '2026-03-02T08:00:00.000Z',
          actor: { source: 'events', externalId: 'emma@example.com', email: 'emma@example.com' },
          branch: 'emma/eng-42-csv-export',
        },
      ],
    });
  });

  it('gives evidence.recorded', () => {
    const body = {
      id: 'evt-3',
      type: 'evidence.recorded',
      occurredAt: '2026-03-03T16:45:30.250Z',
      pullRequest: 'acme/web#88',
      kind: 'eval_passed',
      url: 'https://ci.example.com/evals/991',
      detail: '42/42 cases',
    };
    expect(normalize(body)).toEqual({
      facts: [
        {
          kind: 'evidence',
          externalId: 'evt-3',
          workItemKey: null,
          pullRequestUrl: 'acme/web#88',
          evidenceKind: 'eval_passed',
          at: '2026-03-03T16:45:30.250Z',
          url: 'https://ci.example.com/evals/991',
        },
      ],
    });
  });

  it('gives decision.made, with a login as the actor', () => {
    const body = {
      id: 'evt-4',
      type: 'decision.made',
      occurredAt: '2026-03-04T09:00:00-05:00',
      workItemKey: 'ENG-42',
      decision: 'promote',
      reason: 'Customers liked the demo',
      actor: 'mia',
    };
    expect(normalize(body)).toEqual({
      facts: [
        {
          kind: 'decision',
          externalId: 'evt-4',
          workItemKey: 'ENG-42',
          decision: 'promote',
          at: '2026-03-04T14:00:00.000Z',
          actor: { source: 'events', externalId: 'mia', login: 'mia' },
        },
      ],
    });
  });

  describe('deployment', () => {
    const deployment = {
      id: 'evt-5',
      type: 'deployment',
      occurredAt: '2026-03-05T10:00:00Z',
      deploymentId: 'deploy-77',
      service: 'web',
      repo: 'acme/web',
      environment: 'pr-88.preview',
      environmentKind: 'preview',
      status: 'success',
      sha: 'DA1560886D4F094C3E6C9EF40349F7D38B5D27D7',
      url: 'https://pr-88.preview.example.com',
    };

    it('gives the deployment with no repo (the API names no Git host) and the sha in lower case', () => {
      expect(normalize(deployment)).toEqual({
        facts: [
          {
            kind: 'deployment',
            repo: null,
            externalId: 'deploy-77',
            source: 'events',
            environment: 'pr-88.preview',
            environmentKind: 'preview',
            sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
            ref: null,
            status: 'success',
            createdAt: '2026-03-05T10:00:00.000Z',
            at: '2026-03-05T10:00:00.000Z',
            url: 'https://pr-88.preview.example.com',
          },
        ],
      });
    });

    it('uses the event id when there is no deploymentId, and leaves the kind to the rules when not given', () => {
      const { deploymentId: _id, environmentKind: _kind, sha: _sha, url: _url, ...rest } = deployment;
      expect(normalize(rest)).toMatchObject({ facts: [{ externalId: 'evt-5', environmentKind: null, sha: null, url: null }] });
    });
  });

  describe('incident', () => {
    it('gives an opened incident', () => {
      const body = {
        id: 'evt-6',
        type: 'incident',
        occurredAt: '2026-03-06T11:00:00Z',
        incidentId: 'INC-9',
        status: 'opened',
        title: 'CSV export times out',
        severity: 'sev2',
        deploymentId: 'deploy-77',
        sha: 'da15608',
      };
      expect(normalize(body)).toEqual({
        facts: [
          {
            kind: 'incident',
            source: 'events',
            externalId: 'INC-9',
            title: 'CSV export times out',
            status: 'opened',
            openedAt: '2026-03-06T11:00:00.000Z',
            resolvedAt: null,
            deploymentExternalId: 'deploy-77',
            sha: 'da15608',
            at: '2026-03-06T11:00:00.000Z',
          },
        ],
      });
    });

    it('gives a resolved incident; its title falls back to the incident id', () => {
      const body = { id: 'evt-7', type: 'incident', occurredAt: '2026-03-06T12:30:00Z', incidentId: 'INC-9', status: 'resolved' };
      expect(normalize(body)).toEqual({
        facts: [
          {
            kind: 'incident',
            source: 'events',
            externalId: 'INC-9',
            title: 'INC-9',
            status: 'resolved',
            // The resolved event does not say when it opened: its own time is an upper bound.
            openedAt: '2026-03-06T12:30:00.000Z',
            resolvedAt: '2026-03-06T12:30:00.000Z',
            deploymentExternalId: null,
            sha: null,
            at: '2026-03-06T12:30:00.000Z',
          },
        ],
      });
    });
  });

  it('drops agent.run: agent telemetry has its own pipeline', () => {
    const body = { id: 'evt-8', type: 'agent.run', occurredAt: '2026-03-07T10:00:00Z', agent: 'codex', startedAt: '2026-03-07T09:00:00Z', outcome: 'success' };
    expect(normalize(body)).toEqual({ dropped: 'agent_run_handled_by_agents_pipeline' });
  });

  describe('invalid bodies', () => {
    it('refuses an event without a required field, naming it', () => {
      const body = { id: 'evt-9', type: 'insight.captured', occurredAt: '2026-03-01T10:30:00Z', insightId: 'ZD-1', source: 'zendesk' };
      expectInvalid(() => normalize(body), 'title: Invalid input: expected string, received undefined');
    });

    it('refuses an unknown field', () => {
      const body = { id: 'evt-10', type: 'decision.made', occurredAt: '2026-03-01T10:30:00Z', workItemKey: 'ENG-1', decision: 'promote', titel: 'x' };
      expectInvalid(() => normalize(body), 'titel: unknown field');
    });

    it('refuses an occurredAt without a zone', () => {
      const body = { id: 'evt-11', type: 'decision.made', occurredAt: '2026-03-01T10:30:00', workItemKey: 'ENG-1', decision: 'promote' };
      expectInvalid(
        () => normalize(body),
        'occurredAt: Invalid ISO datetime: expected ISO 8601 with Z or an offset, e.g. 2025-03-01T09:30:00Z',
      );
    });

    it('refuses an unknown type', () => {
      expectInvalid(
        () => normalize({ id: 'evt-12', type: 'insight.lost', occurredAt: '2026-03-01T10:30:00Z' }),
        "unknown event type 'insight.lost'; expected one of insight.captured, work.started, evidence.recorded, decision.made, deployment, incident, agent.run",
      );
    });

    it('refuses a row whose stored type is not the body type', () => {
      const body = { id: 'evt-13', type: 'decision.made', occurredAt: '2026-03-01T10:30:00Z', workItemKey: 'ENG-1', decision: 'reject' };
      const event: RawEventRow = {
        id: '00000000-0000-4000-8000-000000000005',
        orgId: '00000000-0000-4000-8000-0000000000aa',
        source: 'events',
        eventType: 'deployment',
        action: null,
        body: Buffer.from(JSON.stringify(body)),
        receivedAt: new Date('2026-03-01T12:00:00.000Z'),
        meta: {},
      };
      expectInvalid(() => normalizeEvents(event, body), "type 'decision.made' does not match the stored event type 'deployment'");
    });
  });
});
