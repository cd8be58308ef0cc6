import type { Experiment } from '@loopmeter/shared/experiments';

export const STAGE_LABELS: Record<Experiment['stage'], string> = {
  insight: 'Insight captured',
  started: 'Work started',
  pr_opened: 'PR opened',
  evidence: 'Evidence',
  decided: 'Decided',
};

export const DECISION_LABELS: Record<NonNullable<Experiment['decision']>, string> = {
  promote: 'Promoted',
  refine: 'Refined',
  reject: 'Rejected',
};

const KIND_LABELS: Record<string, string> = {
  insight_created: 'Insight captured',
  status_changed: 'Status changed',
  branch_created: 'Branch created',
  commit: 'Commit',
  pull_request_opened: 'Pull request opened',
  review: 'Review',
  ci_run: 'CI run',
  deployment: 'Deployment',
  pull_request_merged: 'Pull request merged',
  pull_request_closed: 'Pull request closed',
  signal: 'Event',
  ci_success: 'green CI',
  preview_deployment: 'live preview',
  status_in_progress: 'moved to in progress',
  first_commit: 'first commit',
  work_started_event: 'work started event',
};

/** "pull_request_opened" → "Pull request opened"; "event:demo_accepted" → "demo accepted (event)". */
export function humanize(kind: string | null): string {
  if (!kind) return '';
  if (KIND_LABELS[kind]) return KIND_LABELS[kind];
  if (kind.startsWith('event:')) return `${kind.slice(6).replace(/_/g, ' ')} (event)`;
  const text = kind.replace(/[_.]/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
