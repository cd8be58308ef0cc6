import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** The organisation every row belongs to. One default org exists from the first migration. */
export const DEFAULT_ORG_ID = '00000000-0000-0000-0000-000000000001';

@Entity({ name: 'orgs' })
export class OrgEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @Column({ type: 'text' })
  slug!: string;

  @Column({ type: 'text' })
  name!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
