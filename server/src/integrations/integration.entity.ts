import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { IntegrationKind, IntegrationStatus } from '@loopmeter/shared';
import { OrgEntity } from '../orgs/org.entity';

/** A webhook source connected to Loopmeter: one GitHub, GitLab, Jira or Linear webhook (or several sharing its URL). */
@Entity({ name: 'integrations' })
@Index('integrations_id_idx', ['id'])
@Check('integrations_kind_check', `kind IN ('github', 'gitlab', 'jira', 'linear')`)
@Check('integrations_status_check', `status IN ('active', 'disabled')`)
export class IntegrationEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @ManyToOne(() => OrgEntity)
  @JoinColumn({ name: 'org_id', foreignKeyConstraintName: 'integrations_org_id_fkey' })
  org?: OrgEntity;

  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  kind!: IntegrationKind;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', default: 'active' })
  status!: IntegrationStatus;

  @Column({ type: 'boolean', default: true })
  signed!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'last_delivery_at', type: 'timestamptz', nullable: true })
  lastDeliveryAt!: Date | null;
}
