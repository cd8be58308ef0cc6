import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { memberAccounts, type IdentityReason, type TeamDetail, type TeamRole, type TeamsFile, type TeamsImportReport, type TeamSummary } from '@loopmeter/shared';
import { refreshRollups } from '../metrics/rollups/refresh-rollups';
import { DEFAULT_ORG_ID } from '../orgs/org.entity';
import { IdentityResolver, lockIdentityResolution } from './identity-resolver.service';
import { personIdFor, personKeyForEmail } from './person-id';
import { TeamEntity } from './team.entity';
import { readTeamsFile } from './teams-file';
import { TeamsException } from './teams.exception';

/** The rows a teams file stands for. */
export interface TeamsImportPlan {
  teams: Array<{ key: string; name: string }>;
  /** Keyed by lower-case email; `name` null when the file gives none. */
  people: Array<{ id: string; email: string; name: string | null }>;
  mappings: Array<{ source: string; match: string; personEmail: string }>;
  memberships: Array<{ teamKey: string; personId: string; role: TeamRole }>;
}

export function planTeamsImport(orgId: string, file: TeamsFile): TeamsImportPlan {
  const people = new Map<string, { id: string; email: string; name: string | null }>();
  const mappings = new Map<string, { source: string; match: string; personEmail: string }>();
  const memberships: TeamsImportPlan['memberships'] = [];
  for (const team of file.teams) {
    for (const member of team.members) {
      const email = member.email.toLowerCase();
      const person = people.get(email) ?? { id: personIdFor(orgId, personKeyForEmail(email)), email, name: null };
      person.name ??= member.name ?? null;
      people.set(email, person);
      for (const { source, match } of memberAccounts(member)) mappings.set(`${source}\u0000${match}`, { source, match, personEmail: email });
      memberships.push({ teamKey: team.key, personId: person.id, role: member.role ?? 'member' });
    }
  }
  return { teams: file.teams.map((t) => ({ key: t.key, name: t.name ?? t.key })), people: [...people.values()], mappings: [...mappings.values()], memberships };
}

/**
 * Teams and their members from the teams file (docs/teams.md). The file is the truth for the teams it lists
 * (their whole membership) and for the people it lists (their accounts); other teams and people are left
 * as they are, and people are never deleted.
 */
@Injectable()
export class TeamsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly resolver: IdentityResolver,
    @InjectRepository(TeamEntity) private readonly teams: Repository<TeamEntity>,
  ) {}

  /** Validates the file, writes it in one transaction and re-resolves identities, so its mappings apply at once. */
  async importTeams(body: unknown, orgId = DEFAULT_ORG_ID): Promise<TeamsImportReport> {
    const plan = planTeamsImport(orgId, readTeamsFile(body));
    const { teams, people, mappings, memberships } = plan;
    return this.dataSource.transaction(async (m) => {
      // First: a pipeline batch resolving now would otherwise wait on rows this import holds.
      await lockIdentityResolution(m, orgId);
      await m.query(
        `INSERT INTO teams (org_id, key, name) SELECT $1::uuid, * FROM unnest($2::text[], $3::text[])
         ON CONFLICT (org_id, key) DO UPDATE SET name = EXCLUDED.name`,
        [orgId, teams.map((t) => t.key), teams.map((t) => t.name)],
      );
      const named = people.filter((p) => p.name !== null);
      await m.query(
        `INSERT INTO people (org_id, id, display_name, email, is_bot, origin) SELECT $1::uuid, id, name, email, false, 'import' FROM unnest($2::uuid[], $3::text[], $4::text[]) AS p(id, email, name)
         ON CONFLICT (org_id, id) DO UPDATE SET display_name = EXCLUDED.display_name, email = EXCLUDED.email, is_bot = false, origin = 'import'`,
        [orgId, named.map((p) => p.id), named.map((p) => p.email), named.map((p) => p.name)],
      );
      // Without a name in the file, a person keeps the name they have (one seen on their identities), else their email.
      const unnamed = people.filter((p) => p.name === null);
      await m.query(
        `INSERT INTO people (org_id, id, display_name, email, is_bot, origin) SELECT $1::uuid, id, email, email, false, 'import' FROM unnest($2::uuid[], $3::text[]) AS p(id, email)
         ON CONFLICT (org_id, id) DO UPDATE SET email = EXCLUDED.email, is_bot = false, origin = 'import'`,
        [orgId, unnamed.map((p) => p.id), unnamed.map((p) => p.email)],
      );
      await m.query(
        `DELETE FROM identity_mappings im WHERE im.org_id = $1 AND im.person_email = ANY($2::text[])
           AND NOT EXISTS (SELECT 1 FROM unnest($3::text[], $4::text[]) AS f(source, match) WHERE f.source = im.source AND f.match = im.match)`,
        [orgId, people.map((p) => p.email), mappings.map((x) => x.source), mappings.map((x) => x.match)],
      );
      await m.query(
        `INSERT INTO identity_mappings (org_id, source, match, person_email) SELECT $1::uuid, * FROM unnest($2::text[], $3::text[], $4::text[])
         ON CONFLICT (org_id, source, match) DO UPDATE SET person_email = EXCLUDED.person_email`,
        [orgId, mappings.map((x) => x.source), mappings.map((x) => x.match), mappings.map((x) => x.personEmail)],
      );
      const removed: [unknown, number] = await m.query(
        `DELETE FROM team_members tm WHERE tm.org_id = $1 AND tm.team_key = ANY($2::text[])
           AND NOT EXISTS (SELECT 1 FROM unnest($3::text[], $4::uuid[]) AS f(team_key, person_id) WHERE f.team_key = tm.team_key AND f.person_id = tm.person_id)`,
        [orgId, teams.map((t) => t.key), memberships.map((x) => x.teamKey), memberships.map((x) => x.personId)],
      );
      await m.query(
        `INSERT INTO team_members (org_id, team_key, person_id, role) SELECT $1::uuid, * FROM unnest($2::text[], $3::uuid[], $4::text[])
         ON CONFLICT (org_id, team_key, person_id) DO UPDATE SET role = EXCLUDED.role`,
        [orgId, memberships.map((x) => x.teamKey), memberships.map((x) => x.personId), memberships.map((x) => x.role)],
      );
      await this.resolver.resolve(orgId, m);
      // People and accounts moved: the agent-quality days of their sessions are recomputed now, not at the next batch.
      await refreshRollups((t, p) => m.query(t, p), orgId);
      return { teams: teams.length, people: people.length, mappings: mappings.length, removedMemberships: removed[1] };
    });
  }

  async list(orgId = DEFAULT_ORG_ID): Promise<TeamSummary[]> {
    const rows: Array<{ key: string; name: string; member_count: number }> = await this.dataSource.query(
      `SELECT t.key, t.name, count(tm.person_id)::int AS member_count
       FROM teams t LEFT JOIN team_members tm ON tm.org_id = t.org_id AND tm.team_key = t.key
       WHERE t.org_id = $1 GROUP BY t.key, t.name ORDER BY t.key`,
      [orgId],
    );
    return rows.map((r) => ({ key: r.key, name: r.name, memberCount: r.member_count }));
  }

  /** A team's members, each with the identities resolved to them and the accounts the file gives them. */
  async get(key: string, orgId = DEFAULT_ORG_ID): Promise<TeamDetail> {
    const team = await this.teams.findOne({ where: { orgId, key } });
    if (!team) throw TeamsException.notFound(key);
    const members: Array<{ person_id: string; display_name: string; email: string | null; role: TeamRole }> = await this.dataSource.query(
      `SELECT tm.person_id, p.display_name, p.email, tm.role
       FROM team_members tm JOIN people p ON p.org_id = tm.org_id AND p.id = tm.person_id
       WHERE tm.org_id = $1 AND tm.team_key = $2 ORDER BY p.display_name, p.id`,
      [orgId, key],
    );
    const personIds = members.map((r) => r.person_id);
    const identities: Array<{ person_id: string; source: string; external_id: string; login: string | null; email: string | null; name: string | null; reason: IdentityReason }> =
      await this.dataSource.query(
        `SELECT ip.person_id, i.source, i.external_id, i.login, i.email, i.name, ip.reason
         FROM identity_people ip JOIN identities i ON i.org_id = ip.org_id AND i.source = ip.source AND i.external_id = ip.external_id
         WHERE ip.org_id = $1 AND ip.person_id = ANY($2::uuid[]) ORDER BY i.source, i.external_id`,
        [orgId, personIds],
      );
    const mappings: Array<{ person_email: string; source: string; match: string }> = await this.dataSource.query(
      `SELECT person_email, source, match FROM identity_mappings WHERE org_id = $1 AND person_email = ANY($2::text[]) ORDER BY source, match`,
      [orgId, members.map((r) => r.email).filter((e): e is string => e !== null)],
    );
    return {
      key: team.key,
      name: team.name,
      members: members.map((r) => ({
        personId: r.person_id,
        displayName: r.display_name,
        email: r.email,
        role: r.role,
        identities: identities
          .filter((i) => i.person_id === r.person_id)
          .map((i) => ({ source: i.source, externalId: i.external_id, login: i.login, email: i.email, name: i.name, reason: i.reason })),
        mappings: mappings.filter((x) => x.person_email === r.email).map((x) => ({ source: x.source, match: x.match })),
      })),
    };
  }
}
