import type { IdentityReason } from '@loopmeter/shared';
import { agentFromAuthor, isAutomationBot } from '../pipeline/link/agent-attribution';
import { personIdFor, personKeyForEmail } from './person-id';

/**
 * Which person each identity is: a pure function of the identities, the teams file's mappings and its
 * people, so the answer never depends on the order identities arrived in (DESIGN §2.2).
 *
 * 1. An identity an explicit mapping names (by external id, then login, then email; or an extra email of
 *    the member) is that member: reason `mapping`. Else one whose email is a member's email is that
 *    member: reason `email`. These are the anchors.
 * 2. Identities that share an email, or a login at the same source (GitHub knows one account by its id
 *    and, in pushes, by its login), are one person: they join their anchor. When they reach two different
 *    anchors (a shared address), the anchored ones go to their anchors and the others are grouped again
 *    without them: a wrong merge is worse than none.
 * 3. The rest become people of their own, keyed by their email, else by their account.
 * Bots are resolved among themselves only, never to a member of the teams file: they are never engineers.
 */

export interface IdentityRecord {
  source: string;
  externalId: string;
  login: string | null;
  email: string | null;
  name: string | null;
  isBot: boolean;
}

/** `match` and `personEmail` lower-case, as stored. */
export interface MappingRecord {
  source: string;
  match: string;
  personEmail: string;
}

export interface ResolvedPerson {
  id: string;
  displayName: string;
  email: string | null;
  isBot: boolean;
}

export interface IdentityAssignment {
  source: string;
  externalId: string;
  personId: string;
  reason: IdentityReason;
}

export interface PeopleResolution {
  /** One per identity, ordered by source and external id. */
  assignments: IdentityAssignment[];
  /** The people made for identities no member claimed, ordered by id (the teams file's people are not here). */
  people: ResolvedPerson[];
}

/** A bot, whatever the source said: its flag, a GitHub App login or address (`[bot]`), a known automation or agent account. */
export function isBotIdentity(identity: IdentityRecord): boolean {
  if (identity.isBot) return true;
  // A git identity's external id is its email; elsewhere it is an account id or a login.
  for (const handle of [identity.login, identity.source === 'git' ? null : identity.externalId]) {
    if (handle === null || handle.trim() === '') continue;
    if (/\[bot\]$/i.test(handle.trim()) || isAutomationBot(handle) || agentFromAuthor(handle, false) !== null) return true;
  }
  if (identity.name !== null && /\[bot\]$/i.test(identity.name.trim())) return true;
  return identity.email !== null && /\[bot\]@/i.test(identity.email);
}

export function resolvePeople(
  orgId: string,
  identities: readonly IdentityRecord[],
  mappings: readonly MappingRecord[],
  memberEmails: ReadonlySet<string>,
): PeopleResolution {
  const sorted = [...identities].sort(byIdentity);
  const mappingIndex = new Map(mappings.map((m) => [`${m.source}\u0000${m.match}`, m.personEmail]));
  const groups: PersonGroup[] = [];

  const humans = sorted.filter((i) => !isBotIdentity(i));
  const anchors = new Map(humans.map((i) => [i, anchorOf(i, mappingIndex, memberEmails)] as const));
  for (const component of connectedComponents(humans)) {
    const anchorEmails = [...new Set(component.map((i) => anchors.get(i)?.email).filter((e): e is string => e !== undefined))].sort();
    if (anchorEmails.length === 1) {
      groups.push(memberGroup(orgId, anchorEmails[0], component, anchors));
      continue;
    }
    if (anchorEmails.length > 1) {
      for (const email of anchorEmails) groups.push(memberGroup(orgId, email, component.filter((i) => anchors.get(i)?.email === email), anchors));
    }
    const unanchored = component.filter((i) => anchors.get(i) === undefined);
    for (const rest of anchorEmails.length > 1 ? connectedComponents(unanchored) : [unanchored]) groups.push(ownGroup(orgId, rest, false));
  }
  for (const component of connectedComponents(sorted.filter(isBotIdentity))) groups.push(ownGroup(orgId, component, true));

  const assignments: IdentityAssignment[] = [];
  const people: ResolvedPerson[] = [];
  for (const group of groups) {
    if (group.person) people.push(group.person);
    const emailCounts = new Map<string, number>();
    for (const i of group.members) {
      const email = normalized(i.email);
      if (email !== null) emailCounts.set(email, (emailCounts.get(email) ?? 0) + 1);
    }
    for (const i of group.members) {
      const email = normalized(i.email);
      const sharesEmail = email !== null && (email === group.email || (emailCounts.get(email) ?? 0) > 1);
      const reason: IdentityReason = group.mapped.has(i) ? 'mapping' : sharesEmail ? 'email' : 'login';
      assignments.push({ source: i.source, externalId: i.externalId, personId: group.personId, reason });
    }
  }
  assignments.sort(byIdentity);
  people.sort((a, b) => compare(a.id, b.id));
  return { assignments, people };
}

interface PersonGroup {
  personId: string;
  /** The person's email (lower-case), when it has one. */
  email: string | null;
  members: IdentityRecord[];
  /** Members placed by an explicit mapping. */
  mapped: ReadonlySet<IdentityRecord>;
  /** Set when the resolver makes this person (not a member of the teams file). */
  person?: ResolvedPerson;
}

type Anchor = { email: string; reason: 'mapping' | 'email' };

function anchorOf(identity: IdentityRecord, mappingIndex: ReadonlyMap<string, string>, memberEmails: ReadonlySet<string>): Anchor | undefined {
  const email = normalized(identity.email);
  const candidates: Array<[string, string | null]> = [
    [identity.source, normalized(identity.externalId)],
    [identity.source, normalized(identity.login)],
    [identity.source, email],
    ['email', email],
  ];
  for (const [source, match] of candidates) {
    if (match === null) continue;
    const personEmail = mappingIndex.get(`${source}\u0000${match}`);
    if (personEmail !== undefined && memberEmails.has(personEmail)) return { email: personEmail, reason: 'mapping' };
  }
  return email !== null && memberEmails.has(email) ? { email, reason: 'email' } : undefined;
}

function memberGroup(orgId: string, email: string, members: IdentityRecord[], anchors: ReadonlyMap<IdentityRecord, Anchor | undefined>): PersonGroup {
  const mapped = new Set(members.filter((i) => anchors.get(i)?.reason === 'mapping'));
  return { personId: personIdFor(orgId, personKeyForEmail(email)), email, members, mapped };
}

/** A person made for identities no member claimed: keyed by their smallest email, else their smallest account. */
function ownGroup(orgId: string, members: IdentityRecord[], isBot: boolean): PersonGroup {
  const email = members.map((i) => normalized(i.email)).filter((e): e is string => e !== null).sort()[0] ?? null;
  const account = members.map((i) => `${i.source}:${normalized(i.login) ?? i.externalId}`).sort()[0];
  const key = email !== null ? personKeyForEmail(email) : `account:${account}`;
  const personId = personIdFor(orgId, isBot ? `bot-${key}` : key);
  const displayName =
    firstPresent(members.map((i) => i.name)) ?? firstPresent(members.map((i) => i.login)) ?? email ?? members[0].externalId;
  return { personId, email, members, mapped: new Set(), person: { id: personId, displayName, email, isBot } };
}

/** Groups identities linked by a shared email or a shared login at one source (union-find), in input order. */
function connectedComponents(identities: readonly IdentityRecord[]): IdentityRecord[][] {
  const parent = identities.map((_, k) => k);
  const find = (k: number): number => {
    while (parent[k] !== k) {
      parent[k] = parent[parent[k]];
      k = parent[k];
    }
    return k;
  };
  const firstWithKey = new Map<string, number>();
  identities.forEach((identity, k) => {
    for (const key of linkKeys(identity)) {
      const first = firstWithKey.get(key);
      if (first === undefined) firstWithKey.set(key, k);
      else parent[find(k)] = find(first);
    }
  });
  const byRoot = new Map<number, IdentityRecord[]>();
  identities.forEach((identity, k) => {
    const root = find(k);
    const list = byRoot.get(root);
    if (list) list.push(identity);
    else byRoot.set(root, [identity]);
  });
  return [...byRoot.values()];
}

function linkKeys(identity: IdentityRecord): string[] {
  const keys: string[] = [];
  const email = normalized(identity.email);
  if (email !== null) keys.push(`email\u0000${email}`);
  const login = normalized(identity.login);
  if (login !== null) keys.push(`login\u0000${identity.source}\u0000${login}`);
  return keys;
}

function normalized(value: string | null): string | null {
  const trimmed = value?.trim().toLowerCase() ?? '';
  return trimmed === '' ? null : trimmed;
}

function firstPresent(values: Array<string | null>): string | null {
  for (const value of values) if (value !== null && value.trim() !== '') return value.trim();
  return null;
}

/** Code-unit order: the same on every machine and locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byIdentity(a: { source: string; externalId: string }, b: { source: string; externalId: string }): number {
  return compare(a.source, b.source) || compare(a.externalId, b.externalId);
}
