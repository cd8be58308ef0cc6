import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { IntegrationEntity } from './integration.entity';

/**
 * A webhook secret, encrypted (SecretBox). An integration has one current secret (expires_at null) and,
 * during a rotation, the previous one until it expires.
 */
@Entity({ name: 'integration_secrets' })
export class IntegrationSecretEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @PrimaryColumn({ name: 'integration_id', type: 'uuid' })
  integrationId!: string;

  @ManyToOne(() => IntegrationEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'integration_secrets_integration_fkey' },
    { name: 'integration_id', referencedColumnName: 'id', foreignKeyConstraintName: 'integration_secrets_integration_fkey' },
  ])
  integration?: IntegrationEntity;

  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'bytea' })
  sealed!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;
}
