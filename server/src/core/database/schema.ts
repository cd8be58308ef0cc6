import { OrgEntity } from '../../orgs/org.entity';
import { ApiTokenEntity } from '../../tokens/api-token.entity';
import { IntegrationSecretEntity } from '../../integrations/integration-secret.entity';
import { IntegrationEntity } from '../../integrations/integration.entity';
import { IdentityMappingEntity } from '../../teams/identity-mapping.entity';
import { IdentityPersonEntity } from '../../teams/identity-person.entity';
import { PersonEntity } from '../../teams/person.entity';
import { TeamMemberEntity } from '../../teams/team-member.entity';
import { TeamEntity } from '../../teams/team.entity';
import { Foundation1764000000000 } from './migrations/1764000000000-foundation';
import { Ingest1764000000001 } from './migrations/1764000000001-ingest';
import { Domain1764000000002 } from './migrations/1764000000002-domain';
import { People1764000000003 } from './migrations/1764000000003-people';
import { Agents1764000000004 } from './migrations/1764000000004-agents';
import { Attribution1764000000005 } from './migrations/1764000000005-attribution';
import { Usage1764000000006 } from './migrations/1764000000006-usage';
import { Rollups1764000000007 } from './migrations/1764000000007-rollups';
import { Regressions1764000000008 } from './migrations/1764000000008-regressions';
import { Access1764000000009 } from './migrations/1764000000009-access';
import { SessionGitRefs1764000000030 } from './migrations/1764000000030-session-git-refs';
import { PipelineIndexes1764000000040 } from './migrations/1764000000040-pipeline-indexes';
import { UserTeam1764000000050 } from './migrations/1764000000050-user-team';
import { PrRollups1764000000080 } from './migrations/1764000000080-pr-rollups';
import { AssistedPrRollups1764000000090 } from './migrations/1764000000090-assisted-pr-rollups';
import { RollupPercentiles1764000000100 } from './migrations/1764000000100-rollup-percentiles';
import { DeploymentIncidentLookup1764000000110 } from './migrations/1764000000110-deployment-incident-lookup';
import { AgentMetricIndexes1764000000120 } from './migrations/1764000000120-agent-metric-indexes';
import { AgentRollups1764000000130 } from './migrations/1764000000130-agent-rollups';
import { AdoptionRollup1764000000140 } from './migrations/1764000000140-adoption-rollup';
import { CiRunPrLookup1764000000141 } from './migrations/1764000000141-ci-run-pr-lookup';
import { AssistedPrsByAgent1764000000142 } from './migrations/1764000000142-assisted-prs-by-agent';
import { AgentTeamRollups1764000000143 } from './migrations/1764000000143-agent-team-rollups';
import { AgentRollupItems1764000000144 } from './migrations/1764000000144-agent-rollup-items';
import { CiRunPrLookupDirect1764000000145 } from './migrations/1764000000145-ci-run-pr-lookup-direct';
import { MergedPrsStayMerged1764000000146 } from './migrations/1764000000146-merged-prs-stay-merged';
import { RollupHours1764000000147 } from './migrations/1764000000147-rollup-hours';

/** Every TypeORM entity, and every migration in order. Listed, not globbed, so tests and builds agree. */
export const ENTITIES = [
  OrgEntity,
  ApiTokenEntity,
  IntegrationEntity,
  IntegrationSecretEntity,
  PersonEntity,
  IdentityPersonEntity,
  TeamEntity,
  TeamMemberEntity,
  IdentityMappingEntity,
];
export const MIGRATIONS = [Foundation1764000000000, Ingest1764000000001, Domain1764000000002, People1764000000003, Agents1764000000004, Attribution1764000000005, Usage1764000000006, Rollups1764000000007, Regressions1764000000008, Access1764000000009, SessionGitRefs1764000000030, PipelineIndexes1764000000040, UserTeam1764000000050, PrRollups1764000000080, AssistedPrRollups1764000000090, RollupPercentiles1764000000100, DeploymentIncidentLookup1764000000110, AgentMetricIndexes1764000000120, AgentRollups1764000000130, AdoptionRollup1764000000140, CiRunPrLookup1764000000141, AssistedPrsByAgent1764000000142, AgentTeamRollups1764000000143, AgentRollupItems1764000000144, CiRunPrLookupDirect1764000000145, MergedPrsStayMerged1764000000146, RollupHours1764000000147];
