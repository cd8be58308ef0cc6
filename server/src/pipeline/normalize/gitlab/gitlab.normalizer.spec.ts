import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidEventError, type Fact, type NormalizeResult, type RawEventRow } from '../facts';
import { normalizeGitlab, parseGitlabTime } from './gitlab.normalizer';

const FIXTURES = join(__dirname, '../../../../../test/fixtures/gitlab');
const RECEIVED_AT = new Date('2026-01-02T08:41:07.000Z');
const HEAD_SHA = 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7';

type Json = Record<string, unknown>;

function fixture(name: string): Json {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Json;
}

/** As the GitLab adapter stores it: `eventType` is X-Gitlab-Event, `action` is object_attributes.action. */
function normalize(eventType: string, body: unknown): NormalizeResult {
  const attributes = typeof body === 'object' && body !== null ? (body as Json).object_attributes : undefined;
  const action = typeof attributes === 'object' && attributes !== null ? (attributes as Json).action : undefined;
  const event: RawEventRow = {
    id: '00000000-0000-4000-8000-000000000001',
    orgId: '00000000-0000-4000-8000-0000000000aa',
    source: 'gitlab',
    eventType,
    action: typeof action === 'string' ? action : null,
    body: Buffer.from(JSON.stringify(body)),
    receivedAt: RECEIVED_AT,
    meta: {},
  };
  return normalizeGitlab(event, body);
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

/** The fixture with some of `object_attributes` replaced. */
function withAttributes(name: string, attributes: Json, extra: Json = {}): Json {
  const body = fixture(name);
  return { ...body, ...extra, object_attributes: { ...(body.object_attributes as Json), ...attributes } };
}

describe('parseGitlabTime', () => {
  it.each([
    ['pipelines and builds: "YYYY-MM-DD hh:mm:ss UTC"', '2021-03-01 10:00:00 UTC', '2021-03-01T10:00:00.000Z'],
    ['merge requests and issues: ISO 8601 with Z', '2021-03-01T10:00:00Z', '2021-03-01T10:00:00.000Z'],
    ['commits: ISO 8601 with milliseconds and an offset', '2021-03-01T10:00:00.000+01:00', '2021-03-01T09:00:00.000Z'],
    ['commits: ISO 8601 with an offset, no milliseconds', '2026-01-02T09:40:00+01:00', '2026-01-02T08:40:00.000Z'],
    ['deployments: "YYYY-MM-DD hh:mm:ss +hhmm"', '2026-01-02 10:05:00 +0100', '2026-01-02T09:05:00.000Z'],
    ['a negative offset, across midnight', '2021-03-01T22:30:00-05:00', '2021-03-02T03:30:00.000Z'],
    ['a fraction finer than milliseconds is cut', '2021-03-01T10:00:00.123456Z', '2021-03-01T10:00:00.123Z'],
  ])('%s', (_format, text, iso) => {
    expect(parseGitlabTime(text)).toBe(iso);
  });

  it.each([
    ['no zone', '2021-03-01 10:00:00'],
    ['not a time', 'yesterday'],
    ['a day the month does not have', '2021-02-30T10:00:00Z'],
    ['hour 24', '2021-03-01T24:00:00Z'],
  ])('refuses %s, naming the field', (_what, text) => {
    expectInvalid(
      () => parseGitlabTime(text, 'object_attributes.created_at'),
      `object_attributes.created_at is not a timestamp with a time zone: '${text}'`,
    );
  });
});

describe('normalizeGitlab: Push Hook', () => {
  const repo = { source: 'gitlab', fullName: 'mike/diaspora' };
  const pusher = { source: 'gitlab', externalId: '4', login: 'jsmith', email: 'john@example.com', name: 'John Smith', isBot: false };

  it('gives the branch push at the receipt time and each commit at its own time', () => {
    expect(normalize('Push Hook', fixture('push-hook.json'))).toEqual({
      facts: [
        {
          kind: 'branch',
          repo,
          name: 'eng-42-export-csv',
          event: 'pushed',
          at: '2026-01-02T08:41:07.000Z',
          atIsReceiptTime: true,
          headSha: HEAD_SHA,
          actor: pusher,
        },
        {
          kind: 'commit',
          repo,
          sha: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327',
          message: 'Add CSV export of the report (ENG-42)\n\nCo-authored-by: Claude <noreply@anthropic.com>\n',
          branch: 'eng-42-export-csv',
          authoredAt: '2026-01-02T08:15:00.000Z',
          author: { source: 'git', externalId: 'jordi@softcatala.org', email: 'jordi@softcatala.org', name: 'Jordi Mallach' },
          url: 'http://example.com/mike/diaspora/commit/b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327',
        },
        {
          kind: 'commit',
          repo,
          sha: HEAD_SHA,
          message: 'Fix the header row of the CSV export\n',
          branch: 'eng-42-export-csv',
          authoredAt: '2026-01-02T08:40:00.000Z',
          author: { source: 'git', externalId: 'gitlabdev@dv6700.(none)', email: 'gitlabdev@dv6700.(none)', name: 'GitLab dev user' },
          url: `http://example.com/mike/diaspora/commit/${HEAD_SHA}`,
        },
      ],
    });
  });

  it('reads a push whose "before" is all zeros as the creation of the branch', () => {
    const body = { ...fixture('push-hook.json'), before: '0000000000000000000000000000000000000000' };
    expect(factsOf(normalize('Push Hook', body))[0]).toEqual({
      kind: 'branch',
      repo,
      name: 'eng-42-export-csv',
      event: 'created',
      at: '2026-01-02T08:41:07.000Z',
      atIsReceiptTime: true,
      headSha: HEAD_SHA,
      actor: pusher,
    });
  });

  it('reads a push whose "after" is all zeros as the deletion of the branch, with no head', () => {
    const body = {
      ...fixture('push-hook.json'),
      after: '0000000000000000000000000000000000000000',
      checkout_sha: null,
      commits: [],
      total_commits_count: 0,
    };
    expect(normalize('Push Hook', body)).toEqual({
      facts: [
        {
          kind: 'branch',
          repo,
          name: 'eng-42-export-csv',
          event: 'deleted',
          at: '2026-01-02T08:41:07.000Z',
          atIsReceiptTime: true,
          headSha: null,
          actor: pusher,
        },
      ],
    });
  });

  it('marks the user of a project access token as a bot', () => {
    const body = { ...fixture('push-hook.json'), user_username: 'project_15_bot_4f1c2a9e', user_name: 'deploy-bot' };
    expect(factsOf(normalize('Push Hook', body))[0]).toMatchObject({ actor: { login: 'project_15_bot_4f1c2a9e', isBot: true } });
  });

  it('leaves out the email GitLab redacts', () => {
    const body = { ...fixture('push-hook.json'), user_email: '[REDACTED]' };
    expect(factsOf(normalize('Push Hook', body))[0]).toMatchObject({ actor: { ...pusher, email: null } });
  });

  it('drops a push to something that is not a branch', () => {
    expect(normalize('Push Hook', { ...fixture('push-hook.json'), ref: 'refs/tags/v1.0.0' })).toEqual({ dropped: 'non_branch_push' });
  });

  it('refuses a commit without its id, naming where it is', () => {
    const body = fixture('push-hook.json');
    const [first, second] = body.commits as Json[];
    const broken = { ...body, commits: [first, { ...second, id: undefined }] };
    expectInvalid(() => normalize('Push Hook', broken), 'commits[1].id is missing');
  });

  it('refuses a push without the project', () => {
    expectInvalid(() => normalize('Push Hook', { ...fixture('push-hook.json'), project: null }), 'project is missing');
  });
});

describe('normalizeGitlab: Merge Request Hook', () => {
  const opened = {
    kind: 'pull_request',
    repo: { source: 'gitlab', fullName: 'gitlabhq/gitlab-test' },
    number: 1,
    title: 'Export the report as CSV',
    body: 'Closes ENG-42. Adds a CSV export next to the PDF one.',
    url: 'http://example.com/diaspora/merge_requests/1',
    // The event's user (id 1) is not the author (id 51): only the id is known.
    author: { source: 'gitlab', externalId: '51' },
    state: 'open',
    draft: false,
    headRef: 'eng-42-export-csv',
    headSha: HEAD_SHA,
    baseRef: 'master',
    labels: ['customer-request'],
    openedAt: '2026-01-02T09:50:00.000Z',
    readyAt: null,
    mergedAt: null,
    closedAt: null,
    additions: null,
    deletions: null,
    changedFiles: null,
    at: '2026-01-02T09:50:00.000Z',
    action: 'open',
  };

  it('gives the merge request as opened', () => {
    expect(normalize('Merge Request Hook', fixture('merge-request-hook.json'))).toEqual({ facts: [opened] });
  });

  it('takes the author from the event user when it is the same account', () => {
    const body = withAttributes('merge-request-hook.json', { author_id: 1 });
    expect(normalize('Merge Request Hook', body)).toEqual({
      facts: [
        { ...opened, author: { source: 'gitlab', externalId: '1', login: 'root', email: 'admin@example.com', name: 'Administrator', isBot: false } },
      ],
    });
  });

  it('gives a merge: state merged, merged at the update time of the merge action', () => {
    const body = withAttributes('merge-request-hook.json', { state: 'merged', action: 'merge', updated_at: '2026-01-03T15:00:00Z' });
    expect(normalize('Merge Request Hook', body)).toEqual({
      facts: [{ ...opened, state: 'merged', mergedAt: '2026-01-03T15:00:00.000Z', at: '2026-01-03T15:00:00.000Z', action: 'merge' }],
    });
  });

  it('prefers merged_at when GitLab sends it, in whichever format', () => {
    const body = withAttributes('merge-request-hook.json', {
      state: 'merged',
      action: 'update',
      merged_at: '2026-01-03 14:59:30 UTC',
      updated_at: '2026-01-03T15:10:00Z',
    });
    expect(normalize('Merge Request Hook', body)).toEqual({
      facts: [{ ...opened, state: 'merged', mergedAt: '2026-01-03T14:59:30.000Z', at: '2026-01-03T15:10:00.000Z', action: 'update' }],
    });
  });

  it('gives a close without merge: state closed, closed at closed_at', () => {
    const body = withAttributes('merge-request-hook.json', {
      state: 'closed',
      action: 'close',
      closed_at: '2026-01-04T08:00:00.000+01:00',
      updated_at: '2026-01-04T07:00:00Z',
    });
    expect(normalize('Merge Request Hook', body)).toEqual({
      facts: [{ ...opened, state: 'closed', closedAt: '2026-01-04T07:00:00.000Z', at: '2026-01-04T07:00:00.000Z', action: 'close' }],
    });
  });

  it('reads draft from the older work_in_progress flag', () => {
    const body = withAttributes('merge-request-hook.json', { draft: undefined, work_in_progress: true });
    expect(normalize('Merge Request Hook', body)).toEqual({ facts: [{ ...opened, draft: true }] });
  });

  it('gives readyAt when an update turns draft off', () => {
    const body = withAttributes(
      'merge-request-hook.json',
      { action: 'update', updated_at: '2026-01-02T11:00:00Z' },
      { changes: { draft: { previous: true, current: false } } },
    );
    expect(normalize('Merge Request Hook', body)).toEqual({
      facts: [{ ...opened, readyAt: '2026-01-02T11:00:00.000Z', at: '2026-01-02T11:00:00.000Z', action: 'update' }],
    });
  });

  it('refuses a merge request without its number', () => {
    const body = withAttributes('merge-request-hook.json', { iid: undefined });
    expectInvalid(() => normalize('Merge Request Hook', body), 'object_attributes.iid is missing');
  });

  it('refuses a number that is not a number', () => {
    const body = withAttributes('merge-request-hook.json', { iid: '1' });
    expectInvalid(() => normalize('Merge Request Hook', body), 'object_attributes.iid must be a number');
  });

  it.each([0, -1, 2_147_483_648])('refuses a number no merge request can have: %s', (iid) => {
    const body = withAttributes('merge-request-hook.json', { iid });
    expectInvalid(() => normalize('Merge Request Hook', body), 'object_attributes.iid must be a whole number from 1 to 2147483647');
  });

  it('refuses a state GitLab does not have', () => {
    const body = withAttributes('merge-request-hook.json', { state: 'reopened' });
    expectInvalid(() => normalize('Merge Request Hook', body), "object_attributes.state 'reopened' is not a merge request state");
  });

  it('refuses a body that is not an object', () => {
    expectInvalid(() => normalize('Merge Request Hook', []), 'the body is not a JSON object');
  });
});

describe('normalizeGitlab: Pipeline Hook', () => {
  const succeeded = {
    kind: 'ci_run',
    repo: { source: 'gitlab', fullName: 'gitlab-org/gitlab-test' },
    runKind: 'pipeline',
    externalId: '31',
    name: 'Pipeline for branch: eng-42-export-csv',
    headSha: HEAD_SHA,
    headBranch: 'eng-42-export-csv',
    status: 'completed',
    conclusion: 'success',
    startedAt: '2026-01-02T08:50:10.000Z',
    completedAt: '2026-01-02T08:56:40.000Z',
    prNumbers: [1],
    at: '2026-01-02T08:56:40.000Z',
    url: 'http://example.com/gitlab-org/gitlab-test/-/pipelines/31',
  };

  it('gives the pipeline run, with the merge request it ran for', () => {
    expect(normalize('Pipeline Hook', fixture('pipeline-hook.json'))).toEqual({ facts: [succeeded] });
  });

  it.each([
    ['created', 'queued', null],
    ['waiting_for_resource', 'queued', null],
    ['preparing', 'queued', null],
    ['pending', 'queued', null],
    ['scheduled', 'queued', null],
    ['running', 'in_progress', null],
    ['success', 'completed', 'success'],
    ['failed', 'completed', 'failure'],
    ['canceled', 'completed', 'cancelled'],
    ['skipped', 'completed', 'skipped'],
    ['manual', 'completed', 'action_required'],
  ])('maps status %s to %s / %s', (gitlabStatus, status, conclusion) => {
    const body = withAttributes('pipeline-hook.json', { status: gitlabStatus });
    expect(factsOf(normalize('Pipeline Hook', body))[0]).toMatchObject({ status, conclusion });
  });

  it('while running: no completion time, and the latest job time orders the version', () => {
    const body = {
      ...withAttributes('pipeline-hook.json', { status: 'running', finished_at: null, duration: null }),
      builds: [{ ...(fixture('pipeline-hook.json').builds as Json[])[0], status: 'running', finished_at: null }],
    };
    expect(normalize('Pipeline Hook', body)).toEqual({
      facts: [{ ...succeeded, status: 'in_progress', conclusion: null, completedAt: null, at: '2026-01-02T08:52:30.000Z' }],
    });
  });

  it('has no branch and no merge request for a tag pipeline', () => {
    const body = { ...withAttributes('pipeline-hook.json', { ref: 'v1.0.0', tag: true }), merge_request: null };
    expect(normalize('Pipeline Hook', body)).toEqual({ facts: [{ ...succeeded, headBranch: null, prNumbers: [] }] });
  });

  it('refuses an unknown status', () => {
    const body = withAttributes('pipeline-hook.json', { status: 'exploded' });
    expectInvalid(() => normalize('Pipeline Hook', body), "object_attributes.status 'exploded' is not a pipeline status");
  });

  it('refuses a pipeline without its commit', () => {
    const body = withAttributes('pipeline-hook.json', { sha: undefined });
    expectInvalid(() => normalize('Pipeline Hook', body), 'object_attributes.sha is missing');
  });
});

describe('normalizeGitlab: Deployment Hook', () => {
  const reviewApp = {
    kind: 'deployment',
    repo: { source: 'gitlab', fullName: 'root/test-deployment-webhooks' },
    externalId: '15',
    source: 'gitlab',
    environment: 'review/eng-42-export-csv',
    environmentKind: 'preview',
    // The full sha, from commit_url (the hook itself has only short_sha).
    sha: HEAD_SHA,
    ref: null,
    status: 'success',
    createdAt: '2026-01-02T09:05:00.000Z',
    at: '2026-01-02T09:05:00.000Z',
    url: 'https://eng-42-export-csv.review.example.com',
  };

  it('gives a review app deployment as a preview', () => {
    expect(normalize('Deployment Hook', fixture('deployment-hook.json'))).toEqual({ facts: [reviewApp] });
  });

  it.each([
    ['running', 'in_progress'],
    ['success', 'success'],
    ['failed', 'failure'],
    ['canceled', 'error'],
  ])('maps status %s to %s', (gitlabStatus, status) => {
    const body = { ...fixture('deployment-hook.json'), status: gitlabStatus };
    expect(factsOf(normalize('Deployment Hook', body))[0]).toMatchObject({ status });
  });

  it.each([
    ['production', 'production', 'production'],
    ['staging', 'staging', 'staging'],
    ['qa', 'testing', null],
    ['dev', 'development', null],
    ['sandbox', 'other', null],
    ['review/eng-42', 'development', 'preview'],
    ['review/eng-42', null, 'preview'],
  ])('environment %s with tier %s is %s', (environment, tier, kind) => {
    const body = { ...fixture('deployment-hook.json'), environment, environment_tier: tier };
    expect(factsOf(normalize('Deployment Hook', body))[0]).toMatchObject({ environment, environmentKind: kind });
  });

  it('falls back to short_sha and the job page when GitLab gives no commit url or environment url', () => {
    const body = { ...fixture('deployment-hook.json'), commit_url: null, environment_external_url: null, ref: 'main' };
    expect(normalize('Deployment Hook', body)).toEqual({
      facts: [
        { ...reviewApp, sha: 'da156088', ref: 'main', url: 'http://10.126.0.2:3000/root/test-deployment-webhooks/-/jobs/796' },
      ],
    });
  });

  it('refuses a deployment without its id', () => {
    const body = { ...fixture('deployment-hook.json'), deployment_id: undefined };
    expectInvalid(() => normalize('Deployment Hook', body), 'deployment_id is missing');
  });

  it('refuses a status change time it cannot read', () => {
    const body = { ...fixture('deployment-hook.json'), status_changed_at: '2026-01-02 10:05:00' };
    expectInvalid(() => normalize('Deployment Hook', body), "status_changed_at is not a timestamp with a time zone: '2026-01-02 10:05:00'");
  });
});

describe('normalizeGitlab: Issue Hook', () => {
  const openIssue = {
    kind: 'work_item',
    source: 'gitlab',
    key: 'gitlabhq/gitlab-test#23',
    projectKey: 'gitlabhq/gitlab-test',
    title: 'Customers ask for a CSV export of the report',
    url: 'http://example.com/diaspora/issues/23',
    labels: ['customer-request'],
    status: 'opened',
    statusCategory: 'todo',
    createdAt: '2026-01-01T08:00:00.000Z',
    at: '2026-01-01T08:00:00.000Z',
    // The author (id 1) is the event's user, so the user's details fill it in.
    creator: { source: 'gitlab', externalId: '1', login: 'root', email: 'admin@example.com', name: 'Administrator', isBot: false },
    // `assignees` has no ids; `assignee_ids` gives them in the same order.
    assignee: { source: 'gitlab', externalId: '51', login: 'user1', email: null, name: 'User1', isBot: false },
  };

  it('gives the issue as a work item keyed group/project#iid', () => {
    expect(normalize('Issue Hook', fixture('issue-hook.json'))).toEqual({ facts: [openIssue] });
  });

  it('gives a closed issue as done', () => {
    const body = withAttributes('issue-hook.json', {
      state: 'closed',
      action: 'close',
      closed_at: '2026-01-05 09:00:00 UTC',
      updated_at: '2026-01-05T09:00:00Z',
    });
    expect(normalize('Issue Hook', body)).toEqual({
      facts: [{ ...openIssue, status: 'closed', statusCategory: 'done', at: '2026-01-05T09:00:00.000Z' }],
    });
  });

  it('gives an issue closed as a duplicate as canceled', () => {
    const body = withAttributes('issue-hook.json', { state: 'closed', duplicated_to_id: 302, updated_at: '2026-01-05T09:00:00Z' });
    expect(normalize('Issue Hook', body)).toEqual({
      facts: [{ ...openIssue, status: 'closed', statusCategory: 'canceled', at: '2026-01-05T09:00:00.000Z' }],
    });
  });

  it('also gives an incident when GitLab types the issue as one', () => {
    const body = withAttributes('issue-hook.json', {
      type: 'Incident',
      state: 'closed',
      closed_at: '2026-01-01T09:30:00Z',
      updated_at: '2026-01-01T09:30:00Z',
    });
    expect(normalize('Issue Hook', body)).toEqual({
      facts: [
        { ...openIssue, status: 'closed', statusCategory: 'done', at: '2026-01-01T09:30:00.000Z' },
        {
          kind: 'incident',
          source: 'gitlab',
          externalId: 'gitlabhq/gitlab-test#23',
          title: 'Customers ask for a CSV export of the report',
          status: 'resolved',
          openedAt: '2026-01-01T08:00:00.000Z',
          resolvedAt: '2026-01-01T09:30:00.000Z',
          deploymentExternalId: null,
          sha: null,
          at: '2026-01-01T09:30:00.000Z',
        },
      ],
    });
  });

  it('has no assignee when nobody is assigned', () => {
    const body = { ...withAttributes('issue-hook.json', { assignee_ids: [], assignee_id: null }), assignees: [] };
    expect(normalize('Issue Hook', body)).toEqual({ facts: [{ ...openIssue, assignee: null }] });
  });

  it('refuses an issue without its creation time', () => {
    const body = withAttributes('issue-hook.json', { created_at: null });
    expectInvalid(() => normalize('Issue Hook', body), 'object_attributes.created_at is missing');
  });
});

describe('normalizeGitlab: other hooks', () => {
  it('drops hooks Loopmeter does not read', () => {
    expect(normalize('Note Hook', fixture('note-hook.json'))).toEqual({ dropped: 'unused_event_type' });
  });
});
