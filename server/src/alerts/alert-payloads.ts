import type { AlertEvent, RegressionFinding } from '@loopmeter/shared';
import { scopeLabel } from '../regressions/detection/summary';

/** The generic webhook body: the event and the finding in its API shape (GET /api/regressions). */
export interface WebhookPayload {
  event: AlertEvent;
  createdAt: string;
  finding: RegressionFinding;
  links: { findings: string };
}

export function webhookPayload(event: AlertEvent, finding: RegressionFinding, publicUrl: string, now: Date): WebhookPayload {
  return { event, createdAt: now.toISOString(), finding, links: { findings: findingsLink(finding, publicUrl) } };
}

/** Slack Block Kit, as incoming webhooks take it: `text` is the notification and fallback, `blocks` the message. */
export interface SlackPayload {
  text: string;
  blocks: SlackBlock[];
}

type SlackText = { type: 'plain_text' | 'mrkdwn'; text: string };
export type SlackBlock =
  | { type: 'header'; text: SlackText }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] };

/** Slack's limit for a header's text. */
const SLACK_HEADER_MAX = 150;

export function slackPayload(finding: RegressionFinding, publicUrl: string): SlackPayload {
  const d = finding.detection;
  const show = (v: number | null) => (v === null ? 'n/a' : d.unit === 'ratio' ? `${(v * 100).toFixed(1)}%` : `${v.toFixed(1)} h`);
  const what = d.unit === 'ratio' ? '' : 'median ';
  const header = `Regression: ${finding.title} · ${scopeLabel(finding.scope)}`;
  const fields: SlackText[] = [
    { type: 'mrkdwn', text: `*Baseline* (${day(d.baseline.from)} – ${day(d.baseline.to)})\n${what}${show(d.baseline.value)}, n = ${d.baseline.n}` },
    { type: 'mrkdwn', text: `*Recent* (${day(d.recent.from)} – ${day(d.recent.to)})\n${what}${show(d.recent.value)}, n = ${d.recent.n}` },
    { type: 'mrkdwn', text: `*How sure*\np = ${d.test.pValue.toPrecision(2)} (adjusted ${d.test.adjustedPValue.toPrecision(2)}, ${d.test.name})` },
    {
      type: 'mrkdwn',
      text: `*Driven by*\n${d.driver ? escapeSlack(`${d.driver.dimension} ${d.driver.value ?? `(no ${d.driver.dimension})`}: ${show(d.driver.baseline.value)} → ${show(d.driver.recent.value)}`) : 'no single slice'}`,
    },
  ];
  return {
    text: escapeSlack(`Regression: ${finding.summary}`),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(header, SLACK_HEADER_MAX) } },
      { type: 'section', text: { type: 'mrkdwn', text: escapeSlack(finding.summary) } },
      { type: 'section', fields },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Loopmeter · finding ${finding.id} · <${findingsLink(finding, publicUrl)}|all open findings>` }] },
    ],
  };
}

function findingsLink(finding: RegressionFinding, publicUrl: string): string {
  return `${publicUrl}/api/regressions?status=open&metric=${encodeURIComponent(finding.metric)}`;
}

/** Slack's mrkdwn treats &, < and > as control characters: escape them in anything we did not write. */
export function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function day(iso: string): string {
  return iso.slice(0, 10);
}
