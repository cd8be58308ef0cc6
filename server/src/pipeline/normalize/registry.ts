import { normalizeEvents } from './events/events.normalizer';
import type { Normalizer } from './facts';
import { normalizeGithub } from './github/github.normalizer';
import { normalizeGitlab } from './gitlab/gitlab.normalizer';
import { normalizeJira } from './jira/jira.normalizer';
import { normalizeLinear } from './linear/linear.normalizer';
import { normalizeOtlp } from './otlp/otlp.normalizer';
import { normalizeUsageImport } from './usage-import/usage-import.normalizer';

/** The normalizer of each raw-store source. Adding a source: one normalizer folder and one line here. */
export const NORMALIZERS: Readonly<Record<string, Normalizer>> = {
  github: normalizeGithub,
  gitlab: normalizeGitlab,
  jira: normalizeJira,
  linear: normalizeLinear,
  events: normalizeEvents,
  otlp: normalizeOtlp,
  'usage-import': normalizeUsageImport,
};
