import { useQuery } from '@tanstack/react-query';
import { PageHeader } from '../../components/page-header';
import { FilterBar } from '../../filters/filter-bar';
import { useFilters } from '../../filters/use-filters';
import { AdoptionPanel, AgentCostPanel } from '../../metrics/agent-panels';
import { CycleTimePanel, DecisionMixPanel, ThroughputPanel } from '../../metrics/metric-panels';
import { isEmptyMetric } from '../../metrics/metric-query';
import { DemoOffer } from '../demo/demo-offer';
import { overviewQueries } from './api';

/** For executives: is the loop getting faster, how much comes out of it, and what do the agents add and cost. */
export function OverviewPage() {
  const filters = useFilters();
  const cycleTime = useQuery(overviewQueries.cycleTime(filters));
  // The first chart first: on one database connection (embedded mode) its queries would otherwise queue
  // behind the other panels'. The rest follow as soon as it is answered.
  const after = { enabled: cycleTime.status !== 'pending' };
  const throughput = useQuery({ ...overviewQueries.throughput(filters), ...after });
  const decisionMix = useQuery({ ...overviewQueries.decisionMix(filters), ...after });
  const adoption = useQuery({ ...overviewQueries.adoption(filters), ...after });
  const cost = useQuery({ ...overviewQueries.cost(filters), ...after });
  const nothingYet = [cycleTime, throughput, decisionMix].every((q) => q.data !== undefined && isEmptyMetric(q.data));
  return (
    <>
      <PageHeader title="Overview" lead="How fast customer insights become working evidence, whether it is getting faster, and what AI agents add." />
      <FilterBar filters={filters} show={{ team: true }} />
      {nothingYet ? <DemoOffer /> : null}
      <div className="grid">
        <CycleTimePanel query={cycleTime} className="wide" />
        <ThroughputPanel query={throughput} />
        <DecisionMixPanel query={decisionMix} />
        <AdoptionPanel query={adoption} />
        <AgentCostPanel query={cost} />
      </div>
    </>
  );
}
