import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidEventError, type Fact, type NormalizeResult, type RawEventRow } from '../facts';
import { normalizeLinear } from './linear.normalizer';

const FIXTURES = join(__dirname, '../../../../../test/fixtures/linear');

type Json = Record<string, unknown>;

function fixture(name: string): Json {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Json;
}

/** As the Linear adapter stores it: `eventType` is the body's `type`, `action` its `action`. */
function normalize(body: Json): NormalizeResult {
  const event: RawEventRow = {
    id: '00000000-0000-4000-8000-000000000003',
    orgId: '00000000-0000-4000-8000-0000000000aa',
    source: 'linear',
    eventType: String(body.type),
    action: typeof body.action === 'string' ? body.action : null,
    body: Buffer.from(JSON.stringify(body)),
    receivedAt: new Date('2026-01-03T00:00:00.000Z'),
    meta: {},
  };
  return normalizeLinear(event, body);
}

/** The fixture with some of `data` replaced. */
function withData(name: string, data: Json, extra: Json = {}): Json {
  const body = fixture(name);
  return { ...body, ...extra, data: { ...(body.data as Json), ...data } };
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

const MIA = '2e9a5e4c-5a4d-4a8e-9a5b-2f6c1d0b7e11';
const EMMA = '6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e';

describe('normalizeLinear', () => {
  const created = {
    kind: 'work_item',
    source: 'linear',
    key: 'ENG-42',
    projectKey: 'ENG',
    title: 'Customers ask for a CSV export of the report',
    url: 'https://linear.app/acme/issue/ENG-42/customers-ask-for-a-csv-export-of-the-report',
    labels: ['customer-request'],
    status: 'Todo',
    statusCategory: 'todo',
    createdAt: '2026-01-01T08:00:00.000Z',
    at: '2026-01-01T08:00:00.000Z',
    // creatorId is the actor's id, so the actor's name and email fill it in.
    creator: { source: 'linear', externalId: MIA, email: 'mia@example.com', name: 'Mia Krystof', isBot: false },
    assignee: null,
  };

  const emma = { source: 'linear', externalId: EMMA, email: 'emma@example.com', name: 'Emma Richards', isBot: false };

  it('gives a created issue as a work item, with no transition', () => {
    expect(normalize(fixture('issue-create.json'))).toEqual({ facts: [created] });
  });

  it('gives an update that changed the state, with a transition to the new state at updatedAt', () => {
    expect(normalize(fixture('issue-update.json'))).toEqual({
      facts: [
        {
          ...created,
          status: 'In Progress',
          statusCategory: 'in_progress',
          at: '2026-01-02T09:45:00.000Z',
          // Emma made this change, so the creator is known by id only; the assignee is Emma.
          creator: { source: 'linear', externalId: MIA },
          assignee: emma,
        },
        {
          kind: 'work_item_transition',
          source: 'linear',
          key: 'ENG-42',
          // updatedFrom names the old state by id only.
          fromStatus: null,
          toStatus: 'In Progress',
          toCategory: 'in_progress',
          at: '2026-01-02T09:45:00.000Z',
          actor: emma,
        },
      ],
    });
  });

  it('gives no transition for an update that did not change the state', () => {
    const body = { ...fixture('issue-update.json'), updatedFrom: { updatedAt: '2026-01-01T08:00:00.000Z', title: 'CSV export' } };
    expect(factsOf(normalize(body)).map((fact) => fact.kind)).toEqual(['work_item']);
  });

  it.each([
    ['triage', 'Triage', 'todo'],
    ['backlog', 'Backlog', 'todo'],
    ['unstarted', 'Todo', 'todo'],
    ['started', 'In Review', 'in_progress'],
    ['completed', 'Done', 'done'],
    ['canceled', 'Duplicate', 'canceled'],
  ])('reads state type %s (%s) as %s, for the item and its transition', (type, name, category) => {
    const body = withData('issue-update.json', { state: { id: 'f0f0f0f0-0000-4000-8000-000000000001', name, type } });
    const [item, transition] = factsOf(normalize(body));
    expect(item).toMatchObject({ status: name, statusCategory: category });
    expect(transition).toMatchObject({ toStatus: name, toCategory: category });
  });

  it('marks an actor that is not a person as a bot', () => {
    const body = { ...fixture('issue-update.json'), actor: { id: 'a1b2c3d4-0000-4000-8000-000000000009', type: 'OauthClient', name: 'GitHub' } };
    expect(factsOf(normalize(body))[1]).toMatchObject({
      actor: { source: 'linear', externalId: 'a1b2c3d4-0000-4000-8000-000000000009', email: null, name: 'GitHub', isBot: true },
    });
  });

  it('takes the team key from the identifier when the team is left out', () => {
    const body = withData('issue-create.json', { team: undefined });
    expect(factsOf(normalize(body))[0]).toMatchObject({ projectKey: 'ENG' });
  });

  it('drops a removed issue', () => {
    expect(normalize({ ...fixture('issue-update.json'), action: 'remove' })).toEqual({ dropped: 'work_item_deleted' });
  });

  it('drops entity types Loopmeter does not read', () => {
    expect(normalize(fixture('comment-create.json'))).toEqual({ dropped: 'unused_event_type' });
  });

  it('refuses an issue without its identifier', () => {
    expectInvalid(() => normalize(withData('issue-create.json', { identifier: undefined })), 'data.identifier is missing');
  });

  it('refuses a state type Linear does not have', () => {
    const body = withData('issue-create.json', { state: { id: 'x', name: 'Limbo', type: 'limbo' } });
    expectInvalid(() => normalize(body), "data.state.type 'limbo' is not a Linear workflow state type");
  });

  it('refuses an update time without a zone', () => {
    expectInvalid(
      () => normalize(withData('issue-create.json', { updatedAt: '2026-01-01T08:00:00.000' })),
      "data.updatedAt is not a timestamp with a time zone: '2026-01-01T08:00:00.000'",
    );
  });
});
