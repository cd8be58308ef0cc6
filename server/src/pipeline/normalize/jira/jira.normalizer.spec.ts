import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidEventError, type Fact, type NormalizeResult, type RawEventRow } from '../facts';
import { categoryOfStatusName, normalizeJira, parseJiraTime } from './jira.normalizer';

const FIXTURES = join(__dirname, '../../../../../test/fixtures/jira');

type Json = Record<string, unknown>;

function fixture(name: string): Json {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Json;
}

function normalize(body: Json, eventType = String(body.webhookEvent)): NormalizeResult {
  const event: RawEventRow = {
    id: '00000000-0000-4000-8000-000000000002',
    orgId: '00000000-0000-4000-8000-0000000000aa',
    source: 'jira',
    eventType,
    action: typeof body.issue_event_type_name === 'string' ? body.issue_event_type_name : null,
    body: Buffer.from(JSON.stringify(body)),
    receivedAt: new Date('2026-01-03T00:00:00.000Z'),
    meta: {},
  };
  return normalizeJira(event, body);
}

/** The fixture with some of `issue.fields` replaced. */
function withFields(name: string, fields: Json, extra: Json = {}): Json {
  const body = fixture(name);
  const issue = body.issue as Json;
  return { ...body, ...extra, issue: { ...issue, fields: { ...(issue.fields as Json), ...fields } } };
}

function factsOf(result: NormalizeResult): Fact[] {
  if (!('facts' in result)) throw new Error(`expected facts, got dropped: ${result.dropped}`);
  return result.facts;
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

describe('parseJiraTime', () => {
  it.each([
    ['UTC, offset without a colon', '2024-05-01T10:00:00.000+0000', '2024-05-01T10:00:00.000Z'],
    ['east of UTC', '2026-01-01T09:00:00.000+0100', '2026-01-01T08:00:00.000Z'],
    ['west of UTC with half hours, across midnight', '2024-05-01T22:00:00.000-0330', '2024-05-02T01:30:00.000Z'],
    ['an offset with a colon', '2024-05-01T10:00:00.000+02:00', '2024-05-01T08:00:00.000Z'],
    ['Z without milliseconds', '2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000Z'],
  ])('%s', (_what, text, iso) => {
    expect(parseJiraTime(text)).toBe(iso);
  });

  it.each([
    ['no zone', '2024-05-01T10:00:00.000'],
    ['a date only', '2024-05-01'],
    ['month 13', '2024-13-01T10:00:00.000+0000'],
  ])('refuses %s, naming the field', (_what, text) => {
    expectInvalid(() => parseJiraTime(text, 'issue.fields.created'), `issue.fields.created is not a timestamp with a time zone: '${text}'`);
  });
});

describe('normalizeJira', () => {
  const created = {
    kind: 'work_item',
    source: 'jira',
    key: 'CX-42',
    projectKey: 'CX',
    title: 'Customers ask for a CSV export of the report',
    url: 'https://your-domain.atlassian.net/browse/CX-42',
    labels: ['customer-request'],
    status: 'To Do',
    statusCategory: 'todo',
    createdAt: '2026-01-01T08:00:00.000Z',
    at: '2026-01-01T08:00:00.000Z',
    creator: { source: 'jira', externalId: '5b10a2844c20165700ede21g', email: null, name: 'Mia Krystof' },
    assignee: null,
  };

  const emma = { source: 'jira', externalId: '5b10ac8d82e05b22cc7d4ef5', email: null, name: 'Emma Richards' };

  const inProgress = {
    ...created,
    status: 'In Progress',
    statusCategory: 'in_progress',
    at: '2026-01-02T09:45:00.000Z',
    // This payload lists neither reporter nor creator.
    creator: null,
    assignee: emma,
  };

  it('gives a created issue as a work item', () => {
    expect(normalize(fixture('issue-created.json'))).toEqual({ facts: [created] });
  });

  it('gives an updated issue and its status change, at the webhook timestamp', () => {
    expect(normalize(fixture('issue-updated-status.json'))).toEqual({
      facts: [
        inProgress,
        {
          kind: 'work_item_transition',
          source: 'jira',
          key: 'CX-42',
          fromStatus: 'To Do',
          toStatus: 'In Progress',
          // The new status is the current one: its category comes from Jira (indeterminate).
          toCategory: 'in_progress',
          // timestamp 1767347100000 ms
          at: '2026-01-02T09:45:00.000Z',
          // accountType "atlassian": a person.
          actor: { ...emma, isBot: false },
        },
      ],
    });
  });

  it('gives one transition per status item, guessing the category of a status that is no longer current by its name', () => {
    const body = {
      ...fixture('issue-updated-status.json'),
      changelog: {
        id: '10501',
        items: [
          { field: 'status', fieldtype: 'jira', fieldId: 'status', from: '10000', fromString: 'Backlog', to: '10001', toString: 'Selected for Development' },
          { field: 'assignee', fieldtype: 'jira', fieldId: 'assignee', from: null, fromString: null, to: 'x', toString: 'Emma Richards' },
          { field: 'status', fieldtype: 'jira', fieldId: 'status', from: '10001', fromString: 'Selected for Development', to: '10002', toString: 'Backlog' },
        ],
      },
    };
    expect(factsOf(normalize(body)).slice(1)).toEqual([
      {
        kind: 'work_item_transition',
        source: 'jira',
        key: 'CX-42',
        fromStatus: 'Backlog',
        toStatus: 'Selected for Development',
        // Not a name the mapping knows: in progress.
        toCategory: 'in_progress',
        at: '2026-01-02T09:45:00.000Z',
        actor: { ...emma, isBot: false },
      },
      {
        kind: 'work_item_transition',
        source: 'jira',
        key: 'CX-42',
        fromStatus: 'Selected for Development',
        toStatus: 'Backlog',
        toCategory: 'todo',
        at: '2026-01-02T09:45:00.000Z',
        actor: { ...emma, isBot: false },
      },
    ]);
  });

  it.each([
    ['To Do', 'todo'],
    ['Backlog', 'todo'],
    ['open', 'todo'],
    ['In Progress', 'in_progress'],
    ['In Review', 'in_progress'],
    ['Review', 'in_progress'],
    ['Done', 'done'],
    ['Closed', 'done'],
    ['Resolved', 'done'],
    ["Won't Do", 'canceled'],
    ['Cancelled', 'canceled'],
    ['QA', 'in_progress'],
  ])('reads the status name %s as %s', (name, category) => {
    expect(categoryOfStatusName(name)).toBe(category);
  });

  it.each([
    ["Won't Do", 'canceled'],
    ["Won't Fix", 'canceled'],
    ['Declined', 'canceled'],
    ['Cancelled', 'canceled'],
    ['Duplicate', 'canceled'],
    ['Done', 'done'],
    ['Fixed', 'done'],
  ])('reads a done issue with resolution %s as %s', (resolution, category) => {
    const body = withFields(
      'issue-updated-status.json',
      {
        status: { id: '10002', name: 'Done', statusCategory: { id: 3, key: 'done', name: 'Done' } },
        resolution: { id: '10001', name: resolution },
      },
      { changelog: { id: '10502', items: [{ field: 'status', fieldId: 'status', fromString: 'In Progress', toString: 'Done' }] } },
    );
    const [item, transition] = factsOf(normalize(body));
    expect(item).toMatchObject({ status: 'Done', statusCategory: category });
    // The transition to the current status takes the item's category, resolution included.
    expect(transition).toMatchObject({ toStatus: 'Done', toCategory: category });
  });

  it('takes the project key from the issue key when the project is left out', () => {
    const body = withFields('issue-created.json', { project: null });
    expect(factsOf(normalize(body))[0]).toMatchObject({ projectKey: 'CX' });
  });

  it('takes the webhook timestamp as the version time when fields.updated is left out', () => {
    const body = withFields('issue-created.json', { updated: undefined }, { timestamp: 1767254460000 });
    expect(factsOf(normalize(body))[0]).toMatchObject({ createdAt: '2026-01-01T08:00:00.000Z', at: '2026-01-01T08:01:00.000Z' });
  });

  it('refuses an issue with neither fields.updated nor a timestamp', () => {
    const body = withFields('issue-created.json', { updated: undefined }, { timestamp: undefined });
    expectInvalid(() => normalize(body), 'issue.fields.updated is missing');
  });

  it('drops a deleted issue', () => {
    expect(normalize(fixture('issue-created.json'), 'jira:issue_deleted')).toEqual({ dropped: 'work_item_deleted' });
  });

  it('drops events Loopmeter does not read', () => {
    expect(normalize(fixture('comment-created.json'))).toEqual({ dropped: 'unused_event_type' });
  });

  it('refuses an issue without its key', () => {
    const body = fixture('issue-created.json');
    expectInvalid(() => normalize({ ...body, issue: { ...(body.issue as Json), key: undefined } }), 'issue.key is missing');
  });

  it('refuses an issue without a status name', () => {
    expectInvalid(() => normalize(withFields('issue-created.json', { status: { id: '1' } })), 'issue.fields.status.name is missing');
  });

  it('refuses a creation time it cannot read', () => {
    expectInvalid(
      () => normalize(withFields('issue-created.json', { created: '01/01/2026 09:00' })),
      "issue.fields.created is not a timestamp with a time zone: '01/01/2026 09:00'",
    );
  });

  it('refuses labels that are not strings', () => {
    const body = withFields('issue-created.json', { labels: [{ name: 'x' }] });
    expectInvalid(() => normalize(body), 'issue.fields.labels[0] must be a string');
  });
});
