import { Check, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type PersonOrigin = 'import' | 'resolved';

/** A person: a member from the teams file, or one the identity resolver made for identities no one claimed. */
@Entity({ name: 'people' })
@Check('people_origin_check', `origin IN ('import', 'resolved')`)
export class PersonEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  /** Deterministic: see personIdFor. */
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName!: string;

  /** Lower-case. */
  @Column({ type: 'text', nullable: true })
  email!: string | null;

  @Column({ name: 'is_bot', type: 'boolean', default: false })
  isBot!: boolean;

  @Column({ type: 'text' })
  origin!: PersonOrigin;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
