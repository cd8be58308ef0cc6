import type { RegressionFinding } from '@loopmeter/shared';
import { escapeSlack, slackPayload, webhookPayload } from './alert-payloads';
import { urlHint } from './alert-destinations.service';

const finding: RegressionFinding = {
  id: '6f1c2a51-8d0e-4b7a-9a57-2f7d3c1e9b10',
  key: 'pr-merge-rate|team|payments',
  metric: 'pr-merge-rate',
  title: 'PR merge rate',
  scope: { kind: 'team', value: 'payments' },
  status: 'open',
  summary: 'PR merge rate for team payments fell from 70.0% to 45.0% (−25.0 points; 60 → 60 PRs; p = 0.0056, adjusted 0.014). Driven by agent codex (70.0% → 20.0%); without it: +0.0 points.',
  detection: {
    unit: 'ratio',
    better: 'higher',
    baseline: { from: '2026-02-20T00:00:00.000Z', to: '2026-04-17T00:00:00.000Z', n: 60, value: 0.7 },
    recent: { from: '2026-04-17T00:00:00.000Z', to: '2026-05-01T00:00:00.000Z', n: 60, value: 0.45 },
    effect: { measure: 'difference-of-proportions', size: -0.25, absoluteChange: -0.25, relativeChange: -0.357, commonLanguage: null },
    test: { name: 'two-proportion-z', statistic: -2.77, pValue: 0.0056, adjustedPValue: 0.014, fdr: 0.05, testsInRun: 5 },
    driver: { dimension: 'agent', value: 'codex', baseline: { n: 30, value: 0.7 }, recent: { n: 30, value: 0.2 }, effectWithout: 0, share: 1 },
  },
  firstDetectedAt: '2026-05-01T00:00:00.000Z',
  lastDetectedAt: '2026-05-01T00:00:00.000Z',
  acknowledgedAt: null,
  resolvedAt: null,
  resolvedBy: null,
};

describe('alert payloads', () => {
  it('Slack: a text fallback and Block Kit blocks saying what, how much, how sure and which slice', () => {
    const p = slackPayload(finding, 'https://loopmeter.example.com');
    expect(p.text).toBe(`Regression: ${finding.summary}`);
    expect(p.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(p.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Regression: PR merge rate · team payments' } });
    expect(p.blocks[2]).toEqual({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Baseline* (2026-02-20 – 2026-04-17)\n70.0%, n = 60' },
        { type: 'mrkdwn', text: '*Recent* (2026-04-17 – 2026-05-01)\n45.0%, n = 60' },
        { type: 'mrkdwn', text: '*How sure*\np = 0.0056 (adjusted 0.014, two-proportion-z)' },
        { type: 'mrkdwn', text: '*Driven by*\nagent codex: 70.0% → 20.0%' },
      ],
    });
    expect(p.blocks[3]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Loopmeter · finding ${finding.id} · <https://loopmeter.example.com/api/regressions?status=open&metric=pr-merge-rate|all open findings>` }],
    });
  });

  it("Slack: escapes &, < and > in what we did not write (a team called 'r&d <core>')", () => {
    expect(escapeSlack('r&d <core>')).toBe('r&amp;d &lt;core&gt;');
    const p = slackPayload({ ...finding, summary: 'for team r&d <core>' }, 'https://x.example');
    expect(p.text).toBe('Regression: for team r&amp;d &lt;core&gt;');
  });

  it('webhook: the event and the finding in its API shape', () => {
    expect(webhookPayload('regression.opened', finding, 'https://loopmeter.example.com', new Date('2026-05-01T00:00:05Z'))).toEqual({
      event: 'regression.opened',
      createdAt: '2026-05-01T00:00:05.000Z',
      finding,
      links: { findings: 'https://loopmeter.example.com/api/regressions?status=open&metric=pr-merge-rate' },
    });
  });

  it('shows a destination URL without its token', () => {
    expect(urlHint('https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXabcd')).toBe('https://hooks.slack.com/…abcd');
    expect(urlHint('http://127.0.0.1:8080/hook')).toBe('http://127.0.0.1:8080/…');
  });
});
