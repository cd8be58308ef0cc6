import { InvalidEventError, type ActorRef, type Fact, type Normalizer, type StatusCategory, type WorkItemFact } from '../facts';
import { JsonObject, parseIsoTime } from '../shared/json-read';

/**
 * Linear webhooks (body `type`, with `action` create/update/remove) into facts: the issue as it is now,
 * and a transition when an update changed its workflow state. Docs: https://linear.app/developers/webhooks
 */
export const normalizeLinear: Normalizer = (event, body) => {
  if (event.eventType !== 'Issue') return { dropped: 'unused_event_type' };
  const root = JsonObject.root(body);
  const action = event.action ?? root.optionalString('action');
  switch (action) {
    case 'create':
    case 'update':
      return { facts: issueFacts(root, action) };
    case 'remove':
      return { dropped: 'work_item_deleted' };
    default:
      return { dropped: 'unused_action' };
  }
};

/** Linear's workflow state types; every state a team defines has one of them. */
const STATE_TYPES: Readonly<Record<string, StatusCategory>> = {
  triage: 'todo',
  backlog: 'todo',
  unstarted: 'todo',
  started: 'in_progress',
  completed: 'done',
  canceled: 'canceled',
};

function issueFacts(root: JsonObject, action: 'create' | 'update'): Fact[] {
  const data = root.object('data');
  const key = data.string('identifier');
  const state = data.object('state');
  const status = state.string('name');
  const stateType = state.string('type');
  const statusCategory = STATE_TYPES[stateType];
  if (!statusCategory) throw new InvalidEventError(`${state.pathOf('type')} '${stateType}' is not a Linear workflow state type`);
  const at = data.time('updatedAt', parseIsoTime);
  const actor = linearActor(root.optionalObject('actor'));
  const workItem: WorkItemFact = {
    kind: 'work_item',
    source: 'linear',
    key,
    // The identifier is `<team key>-<number>`, so the prefix is the team key when `team` is left out.
    projectKey: data.optionalObject('team')?.optionalString('key') || keyPrefix(key),
    title: data.string('title'),
    url: data.optionalString('url') ?? root.optionalString('url'),
    labels: data.objects('labels').map((label) => label.string('name')),
    status,
    statusCategory,
    createdAt: data.time('createdAt', parseIsoTime),
    at,
    creator: linearUser(data.optionalObject('creator'), data.optionalString('creatorId'), actor),
    assignee: linearUser(data.optionalObject('assignee'), data.optionalString('assigneeId'), actor),
  };
  // `updatedFrom` holds the previous values of the fields the update changed; it names the old state by id only.
  const stateChanged = action === 'update' && root.optionalObject('updatedFrom')?.has('stateId') === true;
  if (!stateChanged) return [workItem];
  return [
    workItem,
    { kind: 'work_item_transition', source: 'linear', key, fromStatus: null, toStatus: status, toCategory: statusCategory, at, actor },
  ];
}

/** Who made the change: a person, or an OAuth app / integration acting on its own. */
function linearActor(actor: JsonObject | null): ActorRef | null {
  if (actor === null) return null;
  const type = actor.optionalString('type');
  return {
    source: 'linear',
    externalId: actor.string('id'),
    email: lowerCased(actor.optionalString('email')),
    name: actor.optionalString('name'),
    ...(type === null ? {} : { isBot: type !== 'user' }),
  };
}

/**
 * A user the issue names (creator, assignee): as an embedded object when Linear sends one, else by id.
 * When the id is the actor's, the actor's name and email fill it in.
 */
function linearUser(user: JsonObject | null, id: string | null, actor: ActorRef | null): ActorRef | null {
  const userId = user?.string('id') ?? id;
  if (userId === null) return null;
  if (user === null) return actor?.externalId === userId ? actor : { source: 'linear', externalId: userId };
  return {
    source: 'linear',
    externalId: userId,
    email: lowerCased(user.optionalString('email')),
    name: user.optionalString('name'),
  };
}

function lowerCased(email: string | null): string | null {
  return email ? email.toLowerCase() : null;
}

/** `ENG` of `ENG-42`; the whole key when it has no dash. */
function keyPrefix(key: string): string {
  const dash = key.lastIndexOf('-');
  return dash > 0 ? key.slice(0, dash) : key;
}
