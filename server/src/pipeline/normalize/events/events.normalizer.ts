import { genericEventSchema, type GenericEvent } from '@loopmeter/shared';
import type { z } from 'zod';
import {
  InvalidEventError,
  type ActorRef,
  type DecisionFact,
  type DeploymentFact,
  type EvidenceFact,
  type IncidentFact,
  type NormalizeResult,
  type Normalizer,
  type RawEventRow,
  type WorkItemFact,
  type WorkStartedFact,
} from '../facts';
import { parseIsoTime } from '../shared/json-read';

/**
 * Generic events (`POST /api/events`, one raw row per event, `eventType` = the event's `type`) into facts.
 * The body was validated when it was accepted; it is validated again here because the raw store outlives
 * schema versions and a replayed row must not be trusted blindly.
 */
export const normalizeEvents: Normalizer = (event, body) => {
  const parsed = genericEventSchema.safeParse(body);
  if (!parsed.success) throw new InvalidEventError(describeIssues(parsed.error.issues));
  const generic = parsed.data;
  if (generic.type !== event.eventType) {
    throw new InvalidEventError(`type '${generic.type}' does not match the stored event type '${event.eventType}'`);
  }
  return eventFacts(generic, event);
};

function eventFacts(generic: GenericEvent, event: RawEventRow): NormalizeResult {
  const at = parseIsoTime(generic.occurredAt, 'occurredAt');
  switch (generic.type) {
    case 'insight.captured': {
      const insight: WorkItemFact = {
        kind: 'work_item',
        source: 'events',
        key: insightKey(generic),
        projectKey: 'events',
        title: generic.title,
        url: generic.url ?? null,
        labels: [],
        status: 'captured',
        statusCategory: 'todo',
        createdAt: at,
        at,
        creator: null,
        assignee: null,
        insight: true,
        // An event without a team belongs to the team its ingest token is bound to, if any.
        team: generic.team ?? tokenTeam(event),
      };
      return { facts: [insight] };
    }
    case 'work.started': {
      const started: WorkStartedFact = {
        kind: 'work_started',
        externalId: generic.id,
        workItemKey: insightKey(generic),
        at,
        actor: eventsActor(generic.actor),
        branch: generic.branch ?? null,
      };
      return { facts: [started] };
    }
    case 'evidence.recorded': {
      const evidence: EvidenceFact = {
        kind: 'evidence',
        externalId: generic.id,
        workItemKey: generic.insightId ?? generic.workItemKey ?? null,
        // A URL, or a reference such as `owner/repo#12` (GitLab `group/project!12`): the linker reads both.
        pullRequestUrl: generic.pullRequest ?? null,
        evidenceKind: generic.kind,
        at,
        url: generic.url ?? null,
      };
      return { facts: [evidence] };
    }
    case 'decision.made': {
      const decision: DecisionFact = {
        kind: 'decision',
        externalId: generic.id,
        workItemKey: insightKey(generic),
        decision: generic.decision,
        at,
        actor: eventsActor(generic.actor),
      };
      return { facts: [decision] };
    }
    case 'deployment': {
      const deployment: DeploymentFact = {
        kind: 'deployment',
        // `repo` names no Git host, and RepoRef needs one: deployments from this API link to code by sha.
        repo: null,
        externalId: generic.deploymentId ?? generic.id,
        source: 'events',
        environment: generic.environment,
        environmentKind: generic.environmentKind ?? null,
        sha: generic.sha?.toLowerCase() ?? null,
        ref: null,
        status: generic.status,
        // Each status event of a deployment carries its own time; the earliest seen is the creation.
        createdAt: at,
        at,
        url: generic.url ?? null,
      };
      return { facts: [deployment] };
    }
    case 'incident': {
      const incident: IncidentFact = {
        kind: 'incident',
        source: 'events',
        externalId: generic.incidentId,
        title: generic.title ?? generic.incidentId,
        status: generic.status,
        // A `resolved` event does not say when the incident opened: its own time is an upper bound, so the
        // earliest openedAt seen wins when the `opened` event arrives (before or after).
        openedAt: at,
        resolvedAt: generic.status === 'resolved' ? at : null,
        deploymentExternalId: generic.deploymentId ?? null,
        sha: generic.sha?.toLowerCase() ?? null,
        at,
      };
      return { facts: [incident] };
    }
    case 'agent.run':
      return { dropped: 'agent_run_handled_by_agents_pipeline' };
  }
}

/** The insight an event is about: the caller's insightId, else the work item key (the schema requires one of them). */
function insightKey(generic: { id: string; insightId?: string; workItemKey?: string }): string {
  const key = generic.insightId ?? generic.workItemKey;
  if (key === undefined) throw new InvalidEventError('insightId or workItemKey is required');
  return key;
}

/** `actor` is an email or a login, as the caller knows the person. */
function eventsActor(actor: string | undefined): ActorRef | null {
  if (actor === undefined) return null;
  if (actor.includes('@')) {
    const email = actor.toLowerCase();
    return { source: 'events', externalId: email, email };
  }
  return { source: 'events', externalId: actor, login: actor };
}

function tokenTeam(event: RawEventRow): string | null {
  const team = event.meta.tokenTeam;
  return typeof team === 'string' && team !== '' ? team : null;
}

/** `field: problem; field: problem`, as the events API words its rejections. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${path ? `${path}.` : ''}${key}: unknown field`).join('; ');
      return path && !(issue.code === 'invalid_union' && path === 'type') ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
