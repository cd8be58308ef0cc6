import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An account the teams file gives a person: at `source`, the identity whose external id, login or email is
 * `match` (lower-case) is the person with `person_email`. Source `email` matches an email at any source.
 */
@Entity({ name: 'identity_mappings' })
@Check('identity_mappings_source_check', `source IN ('github', 'gitlab', 'jira', 'linear', 'events', 'email')`)
export class IdentityMappingEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @PrimaryColumn({ type: 'text' })
  source!: string;

  @PrimaryColumn({ type: 'text' })
  match!: string;

  @Column({ name: 'person_email', type: 'text' })
  personEmail!: string;
}
