import { InvalidEventError, type ActorRef, type Normalizer, type StatusCategory, type WorkItemFact, type WorkItemTransitionFact } from '../facts';
import { epochMillisToIso, JsonObject, notATimestamp, zonedTimestampToIso } from '../shared/json-read';

/**
 * Jira Cloud webhooks (`webhookEvent`) into facts: the issue as it is now, and one transition per status
 * change in the changelog. Docs: https://developer.atlassian.com/cloud/jira/platform/webhooks/
 */
export const normalizeJira: Normalizer = (event, body) => {
  switch (event.eventType) {
    case 'jira:issue_created':
    case 'jira:issue_updated':
      return { facts: issueFacts(JsonObject.root(body)) };
    case 'jira:issue_deleted':
      return { dropped: 'work_item_deleted' };
    default:
      return { dropped: 'unused_event_type' };
  }
};

/** Jira writes `2026-01-01T09:00:00.000+0100` (an offset without a colon); the result is ISO 8601 UTC. */
export function parseJiraTime(text: string, field = 'timestamp'): string {
  return zonedTimestampToIso(text) ?? notATimestamp(text, field);
}

/** `fields.status.statusCategory.key`: Jira's three fixed categories. */
const CATEGORY_KEYS: Readonly<Record<string, StatusCategory>> = {
  new: 'todo',
  indeterminate: 'in_progress',
  done: 'done',
};

/** Resolutions that close an issue without doing it (compared in lower case). */
const NOT_DONE_RESOLUTIONS: ReadonlySet<string> = new Set(["won't do", "won't fix", 'declined', 'cancelled', 'canceled', 'duplicate']);

/**
 * The category of a status known only by name (the changelog gives no category for the new status when
 * it is not the current one). Compared in lower case; a status not listed counts as in progress.
 */
const CATEGORY_BY_STATUS_NAME: Readonly<Record<string, StatusCategory>> = {
  'to do': 'todo',
  backlog: 'todo',
  open: 'todo',
  'in progress': 'in_progress',
  'in review': 'in_progress',
  review: 'in_progress',
  done: 'done',
  closed: 'done',
  resolved: 'done',
  "won't do": 'canceled',
  cancelled: 'canceled',
  canceled: 'canceled',
  declined: 'canceled',
};

export function categoryOfStatusName(name: string): StatusCategory {
  return CATEGORY_BY_STATUS_NAME[name.trim().toLowerCase()] ?? 'in_progress';
}

function issueFacts(root: JsonObject): Array<WorkItemFact | WorkItemTransitionFact> {
  const issue = root.object('issue');
  const key = issue.string('key');
  const fields = issue.object('fields');
  const status = fields.object('status');
  const statusName = status.string('name');
  const statusCategory = currentCategory(fields, statusName);
  const eventTime = epochMillis(root);
  // `updated` is the issue's own version time; the webhook's timestamp stands in when a field filter left it out.
  const updatedAt = fields.optionalTime('updated', parseJiraTime) ?? eventTime;
  if (updatedAt === null) throw new InvalidEventError(`${fields.pathOf('updated')} is missing`);
  const workItem: WorkItemFact = {
    kind: 'work_item',
    source: 'jira',
    key,
    projectKey: fields.optionalObject('project')?.optionalString('key') || keyPrefix(key),
    title: fields.string('summary'),
    url: browseUrl(issue.optionalString('self'), key),
    labels: fields.strings('labels'),
    status: statusName,
    statusCategory,
    createdAt: fields.time('created', parseJiraTime),
    at: updatedAt,
    creator: jiraUser(fields.optionalObject('reporter') ?? fields.optionalObject('creator')),
    assignee: jiraUser(fields.optionalObject('assignee')),
  };
  const actor = jiraUser(root.optionalObject('user'));
  const transitions = (root.optionalObject('changelog')?.objects('items') ?? [])
    .filter((item) => (item.optionalString('fieldId') ?? item.optionalString('field')) === 'status')
    .map((item): WorkItemTransitionFact => {
      const toStatus = item.string('toString');
      return {
        kind: 'work_item_transition',
        source: 'jira',
        key,
        fromStatus: item.optionalString('fromString'),
        toStatus,
        toCategory: toStatus === statusName ? statusCategory : categoryOfStatusName(toStatus),
        at: eventTime ?? updatedAt,
        actor,
      };
    });
  return [workItem, ...transitions];
}

function currentCategory(fields: JsonObject, statusName: string): StatusCategory {
  const categoryKey = fields.object('status').optionalObject('statusCategory')?.optionalString('key') ?? null;
  const category = (categoryKey === null ? undefined : CATEGORY_KEYS[categoryKey]) ?? categoryOfStatusName(statusName);
  const resolution = fields.optionalObject('resolution')?.optionalString('name') ?? null;
  if (category === 'done' && resolution !== null && NOT_DONE_RESOLUTIONS.has(resolution.toLowerCase())) return 'canceled';
  return category;
}

/** The webhook's `timestamp` (Unix milliseconds): when the change happened. */
function epochMillis(root: JsonObject): string | null {
  const millis = root.optionalNumber('timestamp');
  return millis === null ? null : epochMillisToIso(millis, 'timestamp');
}

/** `self` is the REST address (`https://acme.atlassian.net/rest/api/2/10042`); people open `/browse/KEY`. */
function browseUrl(self: string | null, key: string): string | null {
  if (self === null) return null;
  try {
    return `${new URL(self).origin}/browse/${key}`;
  } catch {
    return null;
  }
}

function jiraUser(user: JsonObject | null): ActorRef | null {
  if (user === null) return null;
  // Jira Cloud identifies people by accountId; Jira Data Center by key or name.
  const id = user.optionalString('accountId') ?? user.optionalString('key') ?? user.optionalString('name');
  if (id === null) return null;
  const email = user.optionalString('emailAddress');
  const accountType = user.optionalString('accountType');
  return {
    source: 'jira',
    externalId: id,
    email: email ? email.toLowerCase() : null,
    name: user.optionalString('displayName'),
    // Only said when Jira says it: `app` accounts are integrations, `atlassian` and `customer` are people.
    ...(accountType === null ? {} : { isBot: accountType === 'app' }),
  };
}

/** `ENG` of `ENG-42`; the whole key when it has no dash. */
function keyPrefix(key: string): string {
  const dash = key.lastIndexOf('-');
  return dash > 0 ? key.slice(0, dash) : key;
}
