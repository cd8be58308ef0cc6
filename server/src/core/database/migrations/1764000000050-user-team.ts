import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A user's own team (`user create --team`, `PATCH /api/users/:id { team }`), like a token's: it counts as one of
 * their teams in addition to the teams file's memberships, and a lead leads it (per-person numbers).
 */
export class UserTeam1764000000050 implements MigrationInterface {
  name = 'UserTeam1764000000050';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN team text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN team`);
  }
}
