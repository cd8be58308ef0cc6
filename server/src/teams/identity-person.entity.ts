import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { IdentityReason } from '@loopmeter/shared';

/** Which person a source identity (`identities`) belongs to, and why. Written by the IdentityResolver only. */
@Entity({ name: 'identity_people' })
@Index('identity_people_person_idx', ['orgId', 'personId'])
@Check('identity_people_reason_check', `reason IN ('email', 'mapping', 'login')`)
export class IdentityPersonEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @PrimaryColumn({ type: 'text' })
  source!: string;

  @PrimaryColumn({ name: 'external_id', type: 'text' })
  externalId!: string;

  @Column({ name: 'person_id', type: 'uuid' })
  personId!: string;

  @Column({ type: 'text' })
  reason!: IdentityReason;
}
