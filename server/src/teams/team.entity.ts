import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A team, from the teams file. Its key is the `team` of tokens, events and metrics. */
@Entity({ name: 'teams' })
export class TeamEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @PrimaryColumn({ type: 'text' })
  key!: string;

  @Column({ type: 'text' })
  name!: string;
}
