import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * People, teams and which person each source identity belongs to (DESIGN §2.4). Teams, their members and
 * the explicit account mappings come from the teams file (docs/teams.md); `identity_people` is derived
 * from `identities` by the identity resolver and can be rebuilt at any time. Person ids are deterministic
 * (a name-based UUID of the org and the person's email or account), so the same identities always give
 * the same people. No foreign keys, like the other domain tables: the resolver keeps them consistent.
 */
export class People1764000000003 implements MigrationInterface {
  name = 'People1764000000003';

  async up(q: QueryRunner): Promise<void> {
    // `origin`: `import` for the people of the teams file, `resolved` for those the resolver made for
    // identities no one claimed (deleted again when their last identity moves to someone else).
    await q.query(`
      CREATE TABLE people (
        org_id uuid NOT NULL,
        id uuid NOT NULL,
        display_name text NOT NULL,
        email text,
        is_bot boolean NOT NULL DEFAULT false,
        origin text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT people_pkey PRIMARY KEY (org_id, id),
        CONSTRAINT people_origin_check CHECK (origin IN ('import', 'resolved'))
      )`);
    await q.query(`
      CREATE TABLE identity_people (
        org_id uuid NOT NULL,
        source text NOT NULL,
        external_id text NOT NULL,
        person_id uuid NOT NULL,
        reason text NOT NULL,
        CONSTRAINT identity_people_pkey PRIMARY KEY (org_id, source, external_id),
        CONSTRAINT identity_people_reason_check CHECK (reason IN ('email', 'mapping', 'login'))
      )`);
    await q.query(`CREATE INDEX identity_people_person_idx ON identity_people (org_id, person_id)`);
    await q.query(`
      CREATE TABLE teams (
        org_id uuid NOT NULL,
        key text NOT NULL,
        name text NOT NULL,
        CONSTRAINT teams_pkey PRIMARY KEY (org_id, key)
      )`);
    await q.query(`
      CREATE TABLE team_members (
        org_id uuid NOT NULL,
        team_key text NOT NULL,
        person_id uuid NOT NULL,
        role text NOT NULL DEFAULT 'member',
        CONSTRAINT team_members_pkey PRIMARY KEY (org_id, team_key, person_id),
        CONSTRAINT team_members_role_check CHECK (role IN ('member', 'lead'))
      )`);
    await q.query(`CREATE INDEX team_members_person_idx ON team_members (org_id, person_id)`);
    // `match` is lower-case: a login, an external id or an email; source `email` matches any source's email.
    await q.query(`
      CREATE TABLE identity_mappings (
        org_id uuid NOT NULL,
        source text NOT NULL,
        match text NOT NULL,
        person_email text NOT NULL,
        CONSTRAINT identity_mappings_pkey PRIMARY KEY (org_id, source, match),
        CONSTRAINT identity_mappings_source_check CHECK (source IN ('github', 'gitlab', 'jira', 'linear', 'events', 'email'))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['identity_mappings', 'team_members', 'teams', 'identity_people', 'people']) await q.query(`DROP TABLE ${table}`);
  }
}
