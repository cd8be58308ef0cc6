import { z } from 'zod';

/**
 * Teams and their members, as written in the teams file (docs/teams.md). The file names each member by
 * email and lists the accounts they use at each source, so their GitHub, GitLab, Jira, Linear and events
 * identities are counted as one person.
 */

/** The sources a member's accounts can be given for, as identity sources (the `identities.source` column). */
export const TEAM_MEMBER_ACCOUNT_SOURCES = ['github', 'gitlab', 'jira', 'linear', 'events'] as const;
export type TeamMemberAccountSource = (typeof TEAM_MEMBER_ACCOUNT_SOURCES)[number];

export const teamRoleSchema = z.enum(['member', 'lead']);
export type TeamRole = z.infer<typeof teamRoleSchema>;

export const teamKeySchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a team key is 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit');

const account = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

/** One account or several (a person may have a work and a personal GitHub account). */
const accounts = (what: string) =>
  z.union([account, z.array(account).min(1, 'give at least one')], { error: `expected ${what} (quote it if it looks like a number), or a list of them` }).describe(`${what}, or a list of them`);

export const teamMemberSchema = z
  .object({
    email: z.email().describe('Identifies the person: identities with this email (any source, any case) are theirs.'),
    name: z.string().trim().min(1, 'must not be empty').max(200).optional().describe('Display name; defaults to a name seen on their identities, else the email.'),
    role: teamRoleSchema.optional().describe('Default member.'),
    github: accounts('a GitHub login or numeric user id').optional(),
    gitlab: accounts('a GitLab username or numeric user id').optional(),
    jira: accounts('a Jira accountId').optional(),
    linear: accounts('a Linear user id').optional(),
    events: accounts('the actor id sent to the events API').optional(),
    emails: z.array(z.email()).optional().describe('Other addresses they commit or sign in with: identities with these emails are theirs too.'),
  })
  .strict()
  .meta({ id: 'TeamMemberInput' });
export type TeamMemberInput = z.infer<typeof teamMemberSchema>;

export const teamInputSchema = z
  .object({
    key: teamKeySchema.describe('Stable key, e.g. `payments`; the `team` of tokens, events and metrics.'),
    name: z.string().trim().min(1, 'must not be empty').max(200).optional().describe('Display name; defaults to the key.'),
    members: z.array(teamMemberSchema).describe('The whole membership: members left out are removed from the team.'),
  })
  .strict()
  .meta({ id: 'TeamInput' });
export type TeamInput = z.infer<typeof teamInputSchema>;

/** The lower-cased accounts of a member, per source (`email` for the extra addresses). */
export function memberAccounts(member: TeamMemberInput): Array<{ source: TeamMemberAccountSource | 'email'; match: string }> {
  const out: Array<{ source: TeamMemberAccountSource | 'email'; match: string }> = [];
  for (const source of TEAM_MEMBER_ACCOUNT_SOURCES) {
    const value = member[source];
    for (const match of value === undefined ? [] : typeof value === 'string' ? [value] : value) out.push({ source, match: match.toLowerCase() });
  }
  for (const email of member.emails ?? []) {
    if (email.toLowerCase() !== member.email.toLowerCase()) out.push({ source: 'email', match: email.toLowerCase() });
  }
  return out;
}

/**
 * The teams file. Beyond the shape, one file must be unambiguous: team keys are unique, a member is listed
 * once per team, a person has one name, and no account or extra email is given to two people.
 */
export const teamsFileSchema = z
  .object(
    { teams: z.array(teamInputSchema, { error: 'expected a list of teams' }).min(1, 'the file lists no teams') },
    { error: (issue) => (issue.code === 'invalid_type' ? 'expected a document with a `teams:` list (see docs/teams.md)' : undefined) },
  )
  .strict()
  .superRefine((file, ctx) => {
    const teamAt = new Map<string, number>();
    const personAt = new Map<string, { at: string; name?: string }>();
    const accountAt = new Map<string, { email: string; at: string }>();
    file.teams.forEach((team, t) => {
      const seenTeam = teamAt.get(team.key);
      if (seenTeam !== undefined) ctx.addIssue({ code: 'custom', path: ['teams', t, 'key'], message: `team ${team.key} is already listed at teams[${seenTeam}]` });
      else teamAt.set(team.key, t);
      const inTeam = new Set<string>();
      team.members.forEach((member, m) => {
        const at = `teams[${t}].members[${m}]`;
        const email = member.email.toLowerCase();
        if (inTeam.has(email)) ctx.addIssue({ code: 'custom', path: ['teams', t, 'members', m, 'email'], message: `${member.email} is listed twice in team ${team.key}` });
        inTeam.add(email);
        const person = personAt.get(email);
        if (!person) personAt.set(email, { at, name: member.name });
        else if (member.name !== undefined && person.name !== undefined && member.name !== person.name) {
          ctx.addIssue({ code: 'custom', path: ['teams', t, 'members', m, 'name'], message: `'${member.name}' differs from '${person.name}' given for ${member.email} at ${person.at}` });
        } else if (person.name === undefined) person.name = member.name;
        for (const { source, match } of memberAccounts(member)) {
          const key = `${source}\u0000${match}`;
          const owner = accountAt.get(key);
          const field = source === 'email' ? 'emails' : source;
          if (owner && owner.email !== email) {
            ctx.addIssue({ code: 'custom', path: ['teams', t, 'members', m, field], message: `${source} ${match} is already given to ${owner.email} at ${owner.at}` });
          } else if (!owner) accountAt.set(key, { email, at });
        }
      });
    });
    // An extra address that is another member's own email would take that member's identities away.
    file.teams.forEach((team, t) =>
      team.members.forEach((member, m) => {
        for (const extra of member.emails ?? []) {
          const other = personAt.get(extra.toLowerCase());
          if (other && extra.toLowerCase() !== member.email.toLowerCase()) {
            ctx.addIssue({ code: 'custom', path: ['teams', t, 'members', m, 'emails'], message: `${extra} is the email of the member at ${other.at}` });
          }
        }
      }),
    );
  })
  .meta({ id: 'TeamsFile' });
export type TeamsFile = z.infer<typeof teamsFileSchema>;

export const importTeamsRequestSchema = z
  .union([z.object({ yaml: z.string().describe('The teams file, as YAML text (docs/teams.md).') }).strict(), teamsFileSchema])
  .meta({ id: 'ImportTeamsRequest' });
export type ImportTeamsRequest = z.infer<typeof importTeamsRequestSchema>;

export const teamsImportReportSchema = z
  .object({
    teams: z.number().int().describe('Teams in the file, created or updated.'),
    people: z.number().int().describe('Distinct people in the file, created or updated (keyed by email).'),
    mappings: z.number().int().describe('Accounts and extra emails the file maps to its people.'),
    removedMemberships: z.number().int().describe('Members of the listed teams that the file no longer lists.'),
  })
  .meta({ id: 'TeamsImportReport' });
export type TeamsImportReport = z.infer<typeof teamsImportReportSchema>;

export const teamSummarySchema = z
  .object({ key: z.string(), name: z.string(), memberCount: z.number().int() })
  .meta({ id: 'TeamSummary' });
export type TeamSummary = z.infer<typeof teamSummarySchema>;

export const teamListSchema = z.object({ items: z.array(teamSummarySchema) }).meta({ id: 'TeamList' });
export type TeamList = z.infer<typeof teamListSchema>;

export const identityReasonSchema = z
  .enum(['email', 'mapping', 'login'])
  .describe('Why the identity is this person: an explicit mapping of the teams file, a shared email, or its own account (login).');
export type IdentityReason = z.infer<typeof identityReasonSchema>;

export const personIdentitySchema = z
  .object({
    source: z.string(),
    externalId: z.string(),
    login: z.string().nullable(),
    email: z.string().nullable(),
    name: z.string().nullable(),
    reason: identityReasonSchema,
  })
  .meta({ id: 'PersonIdentity' });
export type PersonIdentity = z.infer<typeof personIdentitySchema>;

export const teamMemberDetailSchema = z
  .object({
    personId: z.string().uuid(),
    displayName: z.string(),
    email: z.string().nullable(),
    role: teamRoleSchema,
    identities: z.array(personIdentitySchema).describe('The source accounts resolved to this person so far.'),
    mappings: z.array(z.object({ source: z.string(), match: z.string() })).describe('The accounts the teams file gives this person.'),
  })
  .meta({ id: 'TeamMemberDetail' });
export type TeamMemberDetail = z.infer<typeof teamMemberDetailSchema>;

export const teamDetailSchema = z
  .object({ key: z.string(), name: z.string(), members: z.array(teamMemberDetailSchema) })
  .meta({ id: 'TeamDetail' });
export type TeamDetail = z.infer<typeof teamDetailSchema>;

/** A zod issue path as it reads in the file: `teams[0].members[2].email`. */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out === '' ? String(part) : `${out}.${String(part)}`), '');
}
