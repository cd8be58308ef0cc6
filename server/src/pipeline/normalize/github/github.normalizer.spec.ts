import { readFileSync } from 'node:fs';
import { InvalidEventError, type NormalizeResult, type RawEventRow } from '../facts';
import { normalizeGithub } from './github.normalizer';

/**
 * Fixtures are the real payloads of @octokit/webhooks-examples; every expected value below was read off the
 * example payload by hand. Where the package has no example of a case (a closed issue, a merged pull
 * request, a branch `create`), the nearest real example is copied and the few fields GitHub would change
 * are set in the test, in plain sight.
 */

const RECEIVED_AT = new Date('2026-01-02T10:00:00Z');

type Payload = Record<string, unknown>;

interface ExampleSet {
  name: string;
  examples: Payload[];
}

function loadExamples(): Map<string, Payload[]> {
  const parsed: unknown = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8'));
  if (!Array.isArray(parsed)) throw new Error('unexpected @octokit/webhooks-examples format');
  const sets = new Map<string, Payload[]>();
  for (const entry of parsed as ExampleSet[]) sets.set(entry.name, entry.examples);
  return sets;
}

const EXAMPLES = loadExamples();

/** A deep copy of example `index` of `event` (copied so a test may edit it), checked to be the action expected. */
function example(event: string, index: number, action?: string): Payload {
  const payload = EXAMPLES.get(event)?.[index];
  if (!payload) throw new Error(`@octokit/webhooks-examples has no example #${index} of ${event}`);
  if (action !== undefined && payload.action !== action) throw new Error(`example #${index} of ${event} is ${String(payload.action)}, not ${action}`);
  return structuredClone(payload);
}

/** A nested object of a payload, for the tests that edit one field. */
function objectAt(payload: Payload, ...path: string[]): Payload {
  let current: unknown = payload;
  for (const key of path) current = (current as Payload)[key];
  return current as Payload;
}

function rawEvent(eventType: string, body: Payload): RawEventRow {
  const rawBody = Buffer.from(JSON.stringify(body));
  return {
    id: 'raw-1',
    orgId: 'org-1',
    source: 'github',
    eventType,
    action: typeof body.action === 'string' ? body.action : null,
    body: rawBody,
    receivedAt: RECEIVED_AT,
    meta: {},
  };
}

function normalize(eventType: string, body: Payload): NormalizeResult {
  return normalizeGithub(rawEvent(eventType, body), body);
}

function invalidReason(eventType: string, body: unknown): string {
  try {
    normalizeGithub(rawEvent(eventType, {}), body);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEventError);
    return (error as Error).message;
  }
  throw new Error('expected an InvalidEventError');
}

const HELLO_WORLD = { source: 'github', fullName: 'codertocat/hello-world' } as const;
const CODERTOCAT = { source: 'github', externalId: '21031067', login: 'Codertocat', isBot: false };

describe('normalizeGithub: issues', () => {
  it('turns an opened issue into a work item keyed owner/repo#N (example #15, opened)', () => {
    expect(normalize('issues', example('issues', 15, 'opened'))).toEqual({
      facts: [
        {
          kind: 'work_item',
          source: 'github',
          key: 'codertocat/hello-world#1',
          projectKey: 'codertocat/hello-world',
          title: 'Spelling error in the README file',
          url: 'https://github.com/Codertocat/Hello-World/issues/1',
          labels: ['bug'],
          status: 'open',
          statusCategory: 'todo',
          createdAt: '2019-05-15T15:20:18.000Z',
          at: '2019-05-15T15:20:18.000Z',
          creator: CODERTOCAT,
          assignee: CODERTOCAT,
        },
      ],
    });
  });

  it('adds a closed → open transition at updated_at for a reopened issue (example #20, reopened)', () => {
    const result = normalize('issues', example('issues', 20, 'reopened'));
    expect(result).toEqual({
      facts: [
        expect.objectContaining({
          kind: 'work_item',
          key: 'codertocat/hello-world#1',
          status: 'open',
          statusCategory: 'todo',
          createdAt: '2021-07-05T18:05:24.000Z',
          at: '2021-10-11T16:40:56.000Z',
        }),
        {
          kind: 'work_item_transition',
          source: 'github',
          key: 'codertocat/hello-world#1',
          fromStatus: 'closed',
          toStatus: 'open',
          toCategory: 'todo',
          // The reopened payload still carries the old closed_at (2021-07-05T18:07:10Z); updated_at is the reopening.
          at: '2021-10-11T16:40:56.000Z',
          actor: CODERTOCAT,
        },
      ],
    });
  });

  /** The package has no `closed` issue: the reopened example (closed_at 2021-07-05T18:07:10Z) as GitHub sends it closed. */
  function closedIssue(stateReason: string): Payload {
    const payload = example('issues', 20, 'reopened');
    payload.action = 'closed';
    Object.assign(objectAt(payload, 'issue'), { state: 'closed', state_reason: stateReason });
    return payload;
  }

  it('a completed issue is done, with an open → closed transition at closed_at', () => {
    expect(normalize('issues', closedIssue('completed'))).toEqual({
      facts: [
        expect.objectContaining({ kind: 'work_item', status: 'closed', statusCategory: 'done', at: '2021-10-11T16:40:56.000Z' }),
        {
          kind: 'work_item_transition',
          source: 'github',
          key: 'codertocat/hello-world#1',
          fromStatus: 'open',
          toStatus: 'closed',
          toCategory: 'done',
          at: '2021-07-05T18:07:10.000Z',
          actor: CODERTOCAT,
        },
      ],
    });
  });

  it('an issue closed as not planned is canceled', () => {
    expect(normalize('issues', closedIssue('not_planned'))).toEqual({
      facts: [
        expect.objectContaining({ kind: 'work_item', status: 'closed', statusCategory: 'canceled' }),
        expect.objectContaining({ kind: 'work_item_transition', toStatus: 'closed', toCategory: 'canceled', at: '2021-07-05T18:07:10.000Z' }),
      ],
    });
  });

  it('drops issues events about pull requests (example #13, milestoned on pull/2)', () => {
    expect(normalize('issues', example('issues', 13, 'milestoned'))).toEqual({ dropped: 'issue_is_pull_request' });
  });

  it('reads the state from closed_at when the payload omits it (example #19, pinned)', () => {
    expect(normalize('issues', example('issues', 19, 'pinned'))).toEqual({
      facts: [expect.objectContaining({ kind: 'work_item', status: 'open', statusCategory: 'todo', labels: [], assignee: null })],
    });
  });
});

describe('normalizeGithub: pull_request', () => {
  const OPENED_PR = {
    kind: 'pull_request',
    repo: HELLO_WORLD,
    number: 2,
    title: 'Update the README with new information.',
    body: 'This is a pretty simple change that we need to pull into master.',
    url: 'https://github.com/Codertocat/Hello-World/pull/2',
    author: CODERTOCAT,
    state: 'open',
    draft: false,
    headRef: 'changes',
    headSha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
    baseRef: 'master',
    labels: [],
    openedAt: '2019-05-15T15:20:33.000Z',
    readyAt: null,
    mergedAt: null,
    closedAt: null,
    additions: 1,
    deletions: 1,
    changedFiles: 1,
    at: '2019-05-15T15:20:33.000Z',
    action: 'opened',
  };

  it('turns an opened pull request into a pull request fact (example #0, opened)', () => {
    expect(normalize('pull_request', example('pull_request', 0, 'opened'))).toEqual({ facts: [OPENED_PR] });
  });

  it('reads a null body as empty (example #13, opened)', () => {
    expect(normalize('pull_request', example('pull_request', 13, 'opened'))).toEqual({
      facts: [{ ...OPENED_PR, body: '', labels: ['bug'] }],
    });
  });

  it('a pull request closed without merging is closed, with closedAt (example #3, closed, merged: false)', () => {
    expect(normalize('pull_request', example('pull_request', 3, 'closed'))).toEqual({
      facts: [
        {
          ...OPENED_PR,
          state: 'closed',
          labels: ['bug'],
          closedAt: '2019-05-15T15:21:18.000Z',
          mergedAt: null,
          at: '2019-05-15T15:21:18.000Z',
          action: 'closed',
        },
      ],
    });
  });

  it('a merge is `closed` with merged: true, and becomes state merged with mergedAt', () => {
    // The closed example as GitHub sends it for a merge: merged true, merged_at = closed_at.
    const payload = example('pull_request', 3, 'closed');
    Object.assign(objectAt(payload, 'pull_request'), { merged: true, merged_at: '2019-05-15T15:21:18Z' });
    expect(normalize('pull_request', payload)).toEqual({
      facts: [
        expect.objectContaining({
          state: 'merged',
          mergedAt: '2019-05-15T15:21:18.000Z',
          closedAt: '2019-05-15T15:21:18.000Z',
          action: 'closed',
        }),
      ],
    });
  });

  it('ready_for_review leaves draft, with readyAt at updated_at (example #15, ready_for_review)', () => {
    expect(normalize('pull_request', example('pull_request', 15, 'ready_for_review'))).toEqual({
      facts: [
        expect.objectContaining({
          draft: false,
          readyAt: '2019-05-15T15:21:18.000Z',
          at: '2019-05-15T15:21:18.000Z',
          action: 'ready_for_review',
        }),
      ],
    });
  });

  it('converted_to_draft is a draft with no readyAt (example #5, converted_to_draft)', () => {
    expect(normalize('pull_request', example('pull_request', 5, 'converted_to_draft'))).toEqual({
      facts: [expect.objectContaining({ state: 'open', draft: true, readyAt: null, at: '2019-05-15T15:21:18.000Z' })],
    });
  });

  it.each([
    ['a Bot account', { login: 'Copilot', id: 198982749, type: 'Bot' }, { source: 'github', externalId: '198982749', login: 'Copilot', isBot: true }],
    [
      'a login ending in [bot]',
      { login: 'copilot-swe-agent[bot]', id: 198982749, type: 'User' },
      { source: 'github', externalId: '198982749', login: 'copilot-swe-agent[bot]', isBot: true },
    ],
    [
      'a person with a public name and email',
      { login: 'octocat', id: 583231, type: 'User', name: 'The Octocat', email: 'octocat@github.com' },
      { source: 'github', externalId: '583231', login: 'octocat', name: 'The Octocat', email: 'octocat@github.com', isBot: false },
    ],
  ])('the author is %s', (_case, user, author) => {
    const payload = example('pull_request', 0, 'opened');
    objectAt(payload, 'pull_request').user = user;
    expect(normalize('pull_request', payload)).toEqual({ facts: [expect.objectContaining({ author })] });
  });
});

describe('normalizeGithub: pull_request_review', () => {
  it('turns a submitted review into a review fact with a lower-cased state (example #0, submitted)', () => {
    expect(normalize('pull_request_review', example('pull_request_review', 0, 'submitted'))).toEqual({
      facts: [
        {
          kind: 'review',
          repo: HELLO_WORLD,
          prNumber: 2,
          reviewId: '237895671',
          reviewer: CODERTOCAT,
          state: 'commented',
          submittedAt: '2019-05-15T15:20:38.000Z',
        },
      ],
    });
  });

  it('lower-cases an upper-case state', () => {
    const payload = example('pull_request_review', 0, 'submitted');
    objectAt(payload, 'review').state = 'APPROVED';
    expect(normalize('pull_request_review', payload)).toEqual({ facts: [expect.objectContaining({ state: 'approved' })] });
  });

  it('drops a review that was never submitted (a pending review has submitted_at null)', () => {
    const payload = example('pull_request_review', 0, 'submitted');
    Object.assign(objectAt(payload, 'review'), { state: 'pending', submitted_at: null });
    expect(normalize('pull_request_review', payload)).toEqual({ dropped: 'review_not_submitted' });
  });
});

describe('normalizeGithub: push, create, delete', () => {
  it('a branch push gives the branch at head_commit.timestamp and one commit per pushed commit (example #4)', () => {
    expect(normalize('push', example('push', 4))).toEqual({
      facts: [
        {
          kind: 'branch',
          repo: HELLO_WORLD,
          name: 'master',
          event: 'pushed',
          at: '2019-05-15T15:19:25.000Z',
          atIsReceiptTime: false,
          headSha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
          // The sender, with the email only the pusher object carries.
          actor: { ...CODERTOCAT, email: '21031067+Codertocat@users.noreply.github.com' },
        },
        {
          kind: 'commit',
          repo: HELLO_WORLD,
          sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
          message: 'Initial commit',
          branch: 'master',
          authoredAt: '2019-05-15T15:19:25.000Z',
          author: {
            source: 'github',
            externalId: 'Codertocat',
            login: 'Codertocat',
            name: 'Codertocat',
            email: '21031067+Codertocat@users.noreply.github.com',
            isBot: false,
          },
          url: 'https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246',
        },
      ],
    });
  });

  it('converts commit times with an offset to UTC, and keeps a git author without a GitHub username by email', () => {
    const payload = example('push', 4);
    const [commit] = objectAt(payload, 'commits') as unknown as Payload[];
    Object.assign(commit, { timestamp: '2019-05-15T08:19:25-07:00', author: { name: 'Ada Lovelace', email: 'Ada@Example.com' } });
    expect(normalize('push', payload)).toEqual({
      facts: [
        expect.objectContaining({ kind: 'branch' }),
        expect.objectContaining({
          kind: 'commit',
          authoredAt: '2019-05-15T15:19:25.000Z',
          author: { source: 'git', externalId: 'ada@example.com', login: null, name: 'Ada Lovelace', email: 'Ada@Example.com', isBot: false },
        }),
      ],
    });
  });

  it.each([
    ['creating', 0],
    ['deleting', 1],
  ])('drops a push %s a tag (example #%d, refs/tags/simple-tag)', (_case, index) => {
    expect(normalize('push', example('push', index))).toEqual({ dropped: 'tag_push' });
  });

  it('a push deleting a branch deletes it at the receipt time (it has no head_commit)', () => {
    // The tag deletion example (after = 0000…, head_commit null) on a branch instead.
    const payload = example('push', 1);
    payload.ref = 'refs/heads/changes';
    expect(normalize('push', payload)).toEqual({
      facts: [
        {
          kind: 'branch',
          repo: HELLO_WORLD,
          name: 'changes',
          event: 'deleted',
          at: '2026-01-02T10:00:00.000Z',
          atIsReceiptTime: true,
          headSha: null,
          actor: { ...CODERTOCAT, email: '21031067+Codertocat@users.noreply.github.com' },
        },
      ],
    });
  });

  it.each([
    ['create', 'created'],
    ['delete', 'deleted'],
  ])('a branch %s event is dated by its receipt time, since it carries no timestamp', (eventType, event) => {
    const payload = example(eventType, 0);
    Object.assign(payload, { ref: 'eng-12-export-pdf', ref_type: 'branch' });
    expect(normalize(eventType, payload)).toEqual({
      facts: [
        {
          kind: 'branch',
          repo: HELLO_WORLD,
          name: 'eng-12-export-pdf',
          event,
          at: '2026-01-02T10:00:00.000Z',
          atIsReceiptTime: true,
          headSha: null,
          actor: CODERTOCAT,
        },
      ],
    });
  });

  it.each(['create', 'delete'])('drops a tag %s (example #0, ref_type tag)', (eventType) => {
    expect(normalize(eventType, example(eventType, 0))).toEqual({ dropped: 'tag_ref' });
  });
});

describe('normalizeGithub: check_suite, check_run, workflow_run', () => {
  it('a completed check suite is named by its app, completed at updated_at (example #0, completed)', () => {
    expect(normalize('check_suite', example('check_suite', 0, 'completed'))).toEqual({
      facts: [
        {
          kind: 'ci_run',
          repo: HELLO_WORLD,
          runKind: 'check_suite',
          externalId: '118578147',
          name: 'octocoders-linter',
          headSha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
          headBranch: 'changes',
          status: 'completed',
          conclusion: 'success',
          startedAt: '2019-05-15T15:20:31.000Z',
          completedAt: '2019-05-15T15:21:14.000Z',
          prNumbers: [2],
          at: '2019-05-15T15:21:14.000Z',
          url: null,
        },
      ],
    });
  });

  it('a requested check suite is queued, not completed (example #4, requested)', () => {
    expect(normalize('check_suite', example('check_suite', 4, 'requested'))).toEqual({
      facts: [
        expect.objectContaining({
          externalId: '118578174',
          headSha: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
          headBranch: 'master',
          status: 'queued',
          conclusion: null,
          completedAt: null,
          prNumbers: [],
          at: '2019-05-15T15:20:33.000Z',
        }),
      ],
    });
  });

  it('a created check run is queued, its branch read from its suite (example #0, created)', () => {
    expect(normalize('check_run', example('check_run', 0, 'created'))).toEqual({
      facts: [
        {
          kind: 'ci_run',
          repo: HELLO_WORLD,
          runKind: 'check_run',
          externalId: '128620228',
          name: 'Octocoders-linter',
          headSha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
          headBranch: 'changes',
          status: 'queued',
          conclusion: null,
          startedAt: '2019-05-15T15:21:12.000Z',
          completedAt: null,
          prNumbers: [2],
          at: '2019-05-15T15:21:12.000Z',
          url: 'https://github.com/Codertocat/Hello-World/runs/128620228',
        },
      ],
    });
  });

  it('a completed check run carries its conclusion and completion (example #1, completed, failure)', () => {
    expect(normalize('check_run', example('check_run', 1, 'completed'))).toEqual({
      facts: [
        expect.objectContaining({
          externalId: '128620228',
          status: 'completed',
          conclusion: 'failure',
          completedAt: '2019-05-15T15:21:12.000Z',
          at: '2019-05-15T15:21:12.000Z',
        }),
      ],
    });
  });

  it('a workflow run is named by its workflow when its own name is empty (example #1, completed)', () => {
    expect(normalize('workflow_run', example('workflow_run', 1, 'completed'))).toEqual({
      facts: [
        {
          kind: 'ci_run',
          repo: { source: 'github', fullName: 'octo-org/octo-repo' },
          runKind: 'workflow_run',
          externalId: '289782451',
          name: 'test',
          headSha: '3484a3fb816e0859fd6e1cea078d76385ff50625',
          headBranch: 'master',
          status: 'completed',
          conclusion: 'success',
          startedAt: '2020-10-05T16:33:49.000Z',
          completedAt: '2020-10-05T16:33:49.000Z',
          prNumbers: [],
          at: '2020-10-05T16:33:49.000Z',
          url: 'https://github.com/octo-org/octo-repo/actions/runs/289782451',
        },
      ],
    });
  });

  it('leaves out pull requests of another repository (example #2: octo-org/octo-repo run listing Codertocat/Hello-World#2)', () => {
    expect(normalize('workflow_run', example('workflow_run', 2, 'completed'))).toEqual({
      facts: [expect.objectContaining({ externalId: '289782451', prNumbers: [] })],
    });
  });

  it('a requested workflow run is queued until it completes (example #3, requested)', () => {
    expect(normalize('workflow_run', example('workflow_run', 3, 'requested'))).toEqual({
      facts: [expect.objectContaining({ status: 'queued', conclusion: null, completedAt: null, at: '2020-10-05T16:33:24.000Z' })],
    });
  });
});

describe('normalizeGithub: deployment, deployment_status', () => {
  const PRODUCTION_DEPLOYMENT = {
    kind: 'deployment',
    repo: HELLO_WORLD,
    externalId: '145988746',
    source: 'github',
    environment: 'production',
    // The example does not set production_environment: the environment rules decide later.
    environmentKind: null,
    sha: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
    ref: 'master',
    status: 'pending',
    createdAt: '2019-05-15T15:20:53.000Z',
    at: '2019-05-15T15:20:53.000Z',
    url: null,
  };

  it('a created deployment is pending at its created_at (example #0)', () => {
    expect(normalize('deployment', example('deployment', 0, 'created'))).toEqual({ facts: [PRODUCTION_DEPLOYMENT] });
  });

  it.each([
    ['transient_environment', { transient_environment: true, production_environment: false }, 'preview'],
    ['production_environment', { transient_environment: false, production_environment: true }, 'production'],
    ['neither flag', { transient_environment: false, production_environment: false }, null],
  ])("takes the environment kind from GitHub's %s", (_case, flags, environmentKind) => {
    const payload = example('deployment', 1, 'created');
    Object.assign(objectAt(payload, 'deployment'), flags);
    expect(normalize('deployment', payload)).toEqual({
      facts: [expect.objectContaining({ environment: 'github-pages', environmentKind, ref: 'gh-pages', createdAt: '2022-01-03T01:28:30.000Z' })],
    });
  });

  it("a deployment status carries the status's state and time; an empty target_url is no URL (example #0, success)", () => {
    expect(normalize('deployment_status', example('deployment_status', 0, 'created'))).toEqual({
      facts: [{ ...PRODUCTION_DEPLOYMENT, status: 'success', at: '2019-05-15T15:20:55.000Z' }],
    });
  });

  it('a deployment status links to target_url when environment_url is empty (example #1, in_progress)', () => {
    expect(normalize('deployment_status', example('deployment_status', 1, 'created'))).toEqual({
      facts: [
        {
          kind: 'deployment',
          repo: HELLO_WORLD,
          externalId: '145988746',
          source: 'github',
          environment: 'github-pages',
          environmentKind: null,
          sha: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
          ref: 'master',
          status: 'in_progress',
          createdAt: '2022-01-03T01:28:30.000Z',
          at: '2022-01-03T01:28:40.000Z',
          url: 'https://github.com/Codertocat/Hello-World/runs/145988746?check_suite_focus=true',
        },
      ],
    });
  });

  it('prefers environment_url when there is one', () => {
    const payload = example('deployment_status', 0, 'created');
    objectAt(payload, 'deployment_status').environment_url = 'https://pr-2.preview.example.com';
    expect(normalize('deployment_status', payload)).toEqual({ facts: [expect.objectContaining({ url: 'https://pr-2.preview.example.com' })] });
  });
});

describe('normalizeGithub: events it does not use and bodies that cannot be right', () => {
  it.each(['ping', 'star', 'issue_comment'])('drops %s as an unused event type', (eventType) => {
    expect(normalize(eventType, { zen: 'Keep it logically awesome.' })).toEqual({ dropped: 'unused_event_type' });
  });

  it('names the missing field: a pull request without a number', () => {
    const payload = example('pull_request', 0, 'opened');
    delete objectAt(payload, 'pull_request').number;
    expect(invalidReason('pull_request', payload)).toBe('pull_request.number is missing');
  });

  it('names the missing field: a delivery without its repository', () => {
    const payload = example('check_suite', 0, 'completed');
    delete payload.repository;
    expect(invalidReason('check_suite', payload)).toBe('repository is missing');
  });

  it('names the missing field: a pushed commit without an id', () => {
    const payload = example('push', 4);
    const [commit] = objectAt(payload, 'commits') as unknown as Payload[];
    delete commit.id;
    expect(invalidReason('push', payload)).toBe('commits[0].id is missing');
  });

  it('names a field of the wrong type', () => {
    const payload = example('pull_request', 0, 'opened');
    objectAt(payload, 'pull_request').number = '2';
    expect(invalidReason('pull_request', payload)).toBe('pull_request.number must be a number');
  });

  // Numbers no pull request or issue can have would otherwise fail the database write (integer columns) on
  // every retry, or be stored as pull request #0.
  it.each([0, -3, 2.5, 2_147_483_648])('names a pull request number that cannot be one: %s', (number) => {
    const payload = example('pull_request', 0, 'opened');
    objectAt(payload, 'pull_request').number = number;
    expect(invalidReason('pull_request', payload)).toBe('pull_request.number must be a whole number from 1 to 2147483647');
  });

  it('names a line count that cannot be one', () => {
    const payload = example('pull_request', 0, 'opened');
    objectAt(payload, 'pull_request').additions = 1.5;
    expect(invalidReason('pull_request', payload)).toBe('pull_request.additions must be a whole number from 0 to 2147483647');
  });

  it('names a timestamp that is not one', () => {
    const payload = example('issues', 15, 'opened');
    objectAt(payload, 'issue').updated_at = 'yesterday';
    expect(invalidReason('issues', payload)).toBe("issue.updated_at is not a timestamp with a time zone: 'yesterday'");
  });

  it('rejects a body that is not a JSON object', () => {
    expect(invalidReason('push', ['not', 'an', 'object'])).toBe('the body is not a JSON object');
  });

  // Every real example of every event read here normalizes without being taken for a poison event.
  it.each([
    'issues',
    'pull_request',
    'pull_request_review',
    'push',
    'create',
    'delete',
    'check_suite',
    'check_run',
    'workflow_run',
    'deployment',
    'deployment_status',
  ])('accepts every @octokit/webhooks-examples payload of %s', (eventType) => {
    const payloads = EXAMPLES.get(eventType) ?? [];
    expect(payloads.length).toBeGreaterThan(0);
    for (const payload of payloads) expect(() => normalize(eventType, payload)).not.toThrow();
  });
});

describe('normalizeGithub: issues labelled as incidents', () => {
  it('makes an incident of an issue labelled incident, resolved when the issue is closed', () => {
    const payload = JSON.parse(JSON.stringify(
      (JSON.parse(require('node:fs').readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8')) as Array<{ name: string; examples: Array<Record<string, unknown>> }>)
        .find((s) => s.name === 'issues')!.examples.find((e) => e.action === 'opened')!,
    )) as { action: string; issue: Record<string, unknown>; repository: { full_name: string } };
    payload.action = 'closed';
    Object.assign(payload.issue, {
      number: 77,
      title: 'Checkout is down',
      labels: [{ id: 1, name: 'Incident' }],
      state: 'closed',
      created_at: '2026-03-03T18:00:00Z',
      updated_at: '2026-03-03T20:00:00Z',
      closed_at: '2026-03-03T20:00:00Z',
    });
    delete payload.issue.pull_request;
    const event = { id: '1', orgId: 'o', source: 'github', eventType: 'issues', action: 'closed', body: Buffer.from(''), receivedAt: new Date('2026-03-04T00:00:00Z'), meta: {}, contentType: 'application/json' };
    const result = normalizeGithub(event, payload);
    if (!('facts' in result)) throw new Error('dropped');
    const key = `${payload.repository.full_name.toLowerCase()}#77`;
    expect(result.facts.filter((f) => f.kind === 'incident')).toEqual([
      { kind: 'incident', source: 'github', externalId: key, title: 'Checkout is down', status: 'resolved', openedAt: '2026-03-03T18:00:00.000Z', resolvedAt: '2026-03-03T20:00:00.000Z', deploymentExternalId: null, sha: null, at: '2026-03-03T20:00:00.000Z' },
    ]);
  });
});
