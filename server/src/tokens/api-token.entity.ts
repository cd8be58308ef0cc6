import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { TokenRole, TokenScope } from '@loopmeter/shared';
import { OrgEntity } from '../orgs/org.entity';

/** An API token. Only the SHA-256 of the secret is stored; the secret is shown once, at creation. */
@Entity({ name: 'api_tokens' })
@Index('api_tokens_hash_key', ['orgId', 'tokenHash'], { unique: true })
@Index('api_tokens_hash_idx', ['tokenHash'])
@Check('api_tokens_scope_check', `scope IN ('admin', 'ingest', 'read')`)
@Check('api_tokens_role_check', `role IN ('executive', 'lead', 'member')`)
export class ApiTokenEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @ManyToOne(() => OrgEntity, { createForeignKeyConstraints: true })
  @JoinColumn({ name: 'org_id', foreignKeyConstraintName: 'api_tokens_org_id_fkey' })
  org?: OrgEntity;

  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  scope!: TokenScope;

  @Column({ type: 'text', nullable: true })
  team!: string | null;

  /** Read tokens: whose data scope the token has (null: executive without a team, member with one). */
  @Column({ type: 'text', nullable: true })
  role!: TokenRole | null;

  @Column({ type: 'text' })
  prefix!: string;

  @Column({ name: 'token_hash', type: 'bytea' })
  tokenHash!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
