import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { TeamRole } from '@loopmeter/shared';

/** A person in a team, as the teams file lists it. Bots are never members. */
@Entity({ name: 'team_members' })
@Index('team_members_person_idx', ['orgId', 'personId'])
@Check('team_members_role_check', `role IN ('member', 'lead')`)
export class TeamMemberEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @PrimaryColumn({ name: 'team_key', type: 'text' })
  teamKey!: string;

  @PrimaryColumn({ name: 'person_id', type: 'uuid' })
  personId!: string;

  @Column({ type: 'text', default: 'member' })
  role!: TeamRole;
}
