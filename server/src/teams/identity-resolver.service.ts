import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { IdentityReason } from '@loopmeter/shared';
import { resolvePeople, type IdentityAssignment, type IdentityRecord, type ResolvedPerson } from './resolve-people';

/** What one resolution changed. */
export interface IdentityResolutionReport {
  identities: number;
  /** Identities whose person or reason changed (new identities included). */
  assigned: number;
  /** identity_people rows of identities that no longer exist. */
  unassigned: number;
  /** People the resolver made or updated, and those it deleted (their last identity went to someone else). */
  peopleWritten: number;
  peopleDeleted: number;
}

/** Serialises resolutions (and teams imports) of one org: an arbitrary constant and the org. */
const RESOLUTION_LOCK_CLASS = 7_460_312;

/** DESIGN §6: multi-row statements of at most ~1,000 rows. */
const CHUNK = 1000;

/** Takes the org's identity-resolution lock until the end of the transaction `m` runs in. */
export async function lockIdentityResolution(m: EntityManager, orgId: string): Promise<void> {
  await m.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [RESOLUTION_LOCK_CLASS, orgId]);
}

/**
 * Assigns every identity of an org to a person (see resolve-people.ts for the rules) and writes what
 * changed: `identity_people`, and the people it makes for identities no member of the teams file claims.
 * The whole assignment is recomputed from the identities each time (cheap: thousands of rows, one
 * union-find), so an identity that gains an email later, or a new mapping, moves it where it belongs;
 * only the differences are written. Idempotent, and independent of the order identities arrived in.
 *
 * Call it after each pipeline batch with the batch's transaction (`runner.manager`), or without one.
 */
@Injectable()
export class IdentityResolver {
  constructor(private readonly dataSource: DataSource) {}

  async resolve(orgId: string, manager?: EntityManager): Promise<IdentityResolutionReport> {
    if (manager?.queryRunner?.isTransactionActive) return this.resolveIn(manager, orgId);
    return (manager ?? this.dataSource.manager).transaction((m) => this.resolveIn(m, orgId));
  }

  private async resolveIn(m: EntityManager, orgId: string): Promise<IdentityResolutionReport> {
    await lockIdentityResolution(m, orgId);
    const identities: IdentityRecord[] = (
      (await m.query(`SELECT source, external_id, login, email, name, is_bot FROM identities WHERE org_id = $1`, [orgId])) as Array<{
        source: string;
        external_id: string;
        login: string | null;
        email: string | null;
        name: string | null;
        is_bot: boolean;
      }>
    ).map((r) => ({ source: r.source, externalId: r.external_id, login: r.login, email: r.email, name: r.name, isBot: r.is_bot }));
    const mappings = ((await m.query(`SELECT source, match, person_email FROM identity_mappings WHERE org_id = $1`, [orgId])) as Array<{ source: string; match: string; person_email: string }>).map(
      (r) => ({ source: r.source, match: r.match, personEmail: r.person_email }),
    );
    const members = (await m.query(`SELECT email FROM people WHERE org_id = $1 AND origin = 'import' AND email IS NOT NULL`, [orgId])) as Array<{ email: string }>;
    const { assignments, people } = resolvePeople(orgId, identities, mappings, new Set(members.map((r) => r.email)));

    const peopleWritten = await this.writePeople(m, orgId, people);
    const { assigned, unassigned } = await this.writeAssignments(m, orgId, assignments);
    const deleted: [unknown, number] = await m.query(`DELETE FROM people WHERE org_id = $1 AND origin = 'resolved' AND NOT (id = ANY($2::uuid[]))`, [orgId, people.map((p) => p.id)]);
    return { identities: identities.length, assigned, unassigned, peopleWritten, peopleDeleted: deleted[1] };
  }

  /** Inserts the resolver's people, or updates them when their name, email or bot flag changed; never touches the teams file's people. */
  private async writePeople(m: EntityManager, orgId: string, people: ResolvedPerson[]): Promise<number> {
    const existing = new Map(
      ((await m.query(`SELECT id, display_name, email, is_bot, origin FROM people WHERE org_id = $1`, [orgId])) as Array<{ id: string; display_name: string; email: string | null; is_bot: boolean; origin: string }>).map((r) => [r.id, r]),
    );
    const changed = people.filter((p) => {
      const row = existing.get(p.id);
      return !row || (row.origin === 'resolved' && (row.display_name !== p.displayName || row.email !== p.email || row.is_bot !== p.isBot));
    });
    for (let start = 0; start < changed.length; start += CHUNK) {
      const chunk = changed.slice(start, start + CHUNK);
      await m.query(
        `INSERT INTO people (org_id, id, display_name, email, is_bot, origin)
         SELECT $1::uuid, *, 'resolved' FROM unnest($2::uuid[], $3::text[], $4::text[], $5::boolean[])
         ON CONFLICT (org_id, id) DO UPDATE SET display_name = EXCLUDED.display_name, email = EXCLUDED.email, is_bot = EXCLUDED.is_bot
         WHERE people.origin = 'resolved'`,
        [orgId, chunk.map((p) => p.id), chunk.map((p) => p.displayName), chunk.map((p) => p.email), chunk.map((p) => p.isBot)],
      );
    }
    return changed.length;
  }

  private async writeAssignments(m: EntityManager, orgId: string, assignments: IdentityAssignment[]): Promise<{ assigned: number; unassigned: number }> {
    const key = (source: string, externalId: string) => `${source}\u0000${externalId}`;
    const existing = new Map(
      ((await m.query(`SELECT source, external_id, person_id, reason FROM identity_people WHERE org_id = $1`, [orgId])) as Array<{ source: string; external_id: string; person_id: string; reason: IdentityReason }>).map(
        (r) => [key(r.source, r.external_id), r],
      ),
    );
    const changed = assignments.filter((a) => {
      const row = existing.get(key(a.source, a.externalId));
      return !row || row.person_id !== a.personId || row.reason !== a.reason;
    });
    for (let start = 0; start < changed.length; start += CHUNK) {
      const chunk = changed.slice(start, start + CHUNK);
      await m.query(
        `INSERT INTO identity_people (org_id, source, external_id, person_id, reason)
         SELECT $1::uuid, * FROM unnest($2::text[], $3::text[], $4::uuid[], $5::text[])
         ON CONFLICT (org_id, source, external_id) DO UPDATE SET person_id = EXCLUDED.person_id, reason = EXCLUDED.reason`,
        [orgId, chunk.map((a) => a.source), chunk.map((a) => a.externalId), chunk.map((a) => a.personId), chunk.map((a) => a.reason)],
      );
    }
    const current = new Set(assignments.map((a) => key(a.source, a.externalId)));
    const gone = [...existing.values()].filter((r) => !current.has(key(r.source, r.external_id)));
    for (let start = 0; start < gone.length; start += CHUNK) {
      const chunk = gone.slice(start, start + CHUNK);
      await m.query(
        `DELETE FROM identity_people ip USING unnest($2::text[], $3::text[]) AS g(source, external_id)
         WHERE ip.org_id = $1 AND ip.source = g.source AND ip.external_id = g.external_id`,
        [orgId, chunk.map((r) => r.source), chunk.map((r) => r.external_id)],
      );
    }
    return { assigned: changed.length, unassigned: gone.length };
  }
}
