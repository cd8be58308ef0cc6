import type { MetricId } from '@loopmeter/shared';
import { adoption } from './families/adoption.sql';
import { agentAssistedPrs } from './families/agent-assisted-prs.sql';
import { agentCost } from './families/agent-cost.sql';
import { agentQuality } from './families/agent-quality.sql';
import { decisionMix } from './families/decision-mix.sql';
import { dora } from './families/dora.sql';
import { experimentThroughput } from './families/experiment-throughput.sql';
import { insightToEvidence } from './families/insight-to-evidence.sql';
import { prCycle } from './families/pr-cycle.sql';
import type { MetricFamily } from './metric-family';

/** Every metric computed by this version; the others of the contract answer 501 until they are. */
export const METRIC_FAMILIES: Partial<Record<MetricId, MetricFamily>> = {
  'insight-to-evidence': insightToEvidence,
  'experiment-throughput': experimentThroughput,
  'decision-mix': decisionMix,
  adoption,
  'agent-assisted-prs': agentAssistedPrs,
  'agent-quality': agentQuality,
  'agent-cost': agentCost,
  'pr-cycle': prCycle,
  dora,
};

/** Counts show 0 for an empty bucket; durations, ratios and percentiles show nothing (null). */
export function emptyValue(family: MetricFamily, key: string): 0 | null {
  return family.countKeys.includes(key) ? 0 : null;
}
