import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  auditListSchema,
  experimentDetailSchema,
  experimentListSchema,
  metricResponseSchema,
  pipelineStatsSchema,
  regressionListSchema,
  teamDetailSchema,
  teamListSchema,
  userListSchema,
  type MetricResponse,
} from '@loopmeter/shared';
import { formatBucket, formatCount, formatDateTime, formatHours, formatPercent, formatUsd, notEnoughData } from '../../web/src/format/format';
import { startTestApp, type TestApp } from '../support/test-app';
import { chromiumMissing, launchChromium, type Browser } from './support/chromium';
import { loadDashboardData, type DashboardData } from './support/dashboard-data';

/**
 * The dashboard in a real browser (Debian's headless Chromium) against the real app and its data loaded
 * through the real endpoints: sign in with a token, open every page, check that the charts show what the
 * API answers, change filters and see the URL and the numbers follow, open an experiment's timeline.
 * Set SCREENSHOT_DIR to keep screenshots of the pages at 1280 and 768 px.
 */

const missing = chromiumMissing();
if (missing) console.warn(missing);
const describeInBrowser = missing ? describe.skip : describe;

const SCREENSHOTS = process.env.SCREENSHOT_DIR;

/** Asks again until the answer satisfies the check (the page re-renders after a filter change), then returns it. */
async function poll<T>(ask: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await ask();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Polls until the value equals the expected one, then asserts it (so a failure shows the last value). */
async function eventually<T>(ask: () => Promise<T>, expected: T): Promise<void> {
  expect(await poll(ask, (value) => JSON.stringify(value) === JSON.stringify(expected))).toEqual(expected);
}

describeInBrowser('the dashboard in Chromium', () => {
  let t: TestApp;
  let data: DashboardData;
  let browser: Browser;
  let page: Page;
  /** The period the tests open, as URL params. */
  let periodParams: string;

  beforeAll(async () => {
    t = await startTestApp();
    data = await loadDashboardData(t);
    periodParams = `period=custom&from=${data.period.from}&to=${data.period.to}`;
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.setDefaultTimeout(15_000);
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function api<T>(path: string, parse: (body: unknown) => T): Promise<T> {
    const res = await t.request('GET', path, { token: data.readToken });
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${res.text}`);
    return parse(res.body);
  }

  function metric(id: string, params: Record<string, string>): Promise<MetricResponse> {
    const query = new URLSearchParams({ from: data.period.apiFrom, to: data.period.apiTo, interval: 'week', ...params });
    return api(`/api/metrics/${id}?${query}`, (b) => metricResponseSchema.parse(b));
  }

  async function open(path: string): Promise<void> {
    await page.goto(t.url + path);
    await page.locator('main h1').first().waitFor();
  }

  /** Waits until no panel of the page is loading, and returns each panel's state by test id. */
  async function settledPanels(): Promise<Record<string, string>> {
    await poll(() => page.locator('.chart-panel[data-state=loading], .page-loading, [aria-busy=true].chart-panel').count(), (n) => n === 0);
    const panels = await page.locator('.chart-panel[data-testid]').all();
    const states: Record<string, string> = {};
    for (const panel of panels) states[(await panel.getAttribute('data-testid')) ?? ''] = (await panel.getAttribute('data-state')) ?? '';
    return states;
  }

  async function tableRows(testId: string): Promise<string[][]> {
    const rows = await page.locator(`[data-testid="${testId}"] tbody tr`).all();
    return Promise.all(rows.map((row) => row.locator('th, td').allTextContents().then((cells) => cells.map((c) => c.trim()))));
  }

  async function text(testId: string): Promise<string> {
    return ((await page.getByTestId(testId).textContent()) ?? '').trim();
  }

  async function screenshot(name: string): Promise<void> {
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  /** The cycle-time table as the page must draw it from an API answer. */
  function expectedCycleRows(m: MetricResponse): string[][] {
    return m.rows.map((r) => {
      const label = formatBucket(r.bucket, 'week');
      if (r.insufficientData) return [label, notEnoughData(r.n), formatCount(r.n)];
      return [label, formatHours(r.values.p50), formatHours(r.values.p90), formatCount(r.n)];
    });
  }

  it('signs in with an API token (a wrong one is refused with a reason)', async () => {
    await page.goto(t.url + '/');
    const tokenInput = page.getByLabel('API token', { exact: true });
    const useToken = page.getByRole('button', { name: 'Use an API token instead' });
    await tokenInput.or(useToken).first().waitFor();
    // A server with cookie sessions offers email and password first; the token form is one click away.
    if (await useToken.isVisible()) await useToken.click();
    await tokenInput.fill('not-a-real-token');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    await tokenInput.fill(data.adminToken);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).getAttribute('aria-current')).toBe('page');
  });

  it('overview: the charts and headlines show the numbers the API answers', async () => {
    await open(`/?${periodParams}`);
    const states = await settledPanels();
    expect(states).toMatchObject({ 'cycle-time': 'content', throughput: 'content', 'decision-mix': 'content' });
    // The agent metrics are still being built on the server: "not available yet", never an error.
    expect(['not-available', 'content', 'empty']).toContain(states.adoption);
    expect(['not-available', 'content', 'empty']).toContain(states['agent-cost']);

    const cycle = await metric('insight-to-evidence', { compare: 'previous' });
    expect(await tableRows('cycle-time-table')).toEqual(expectedCycleRows(cycle));
    expect(await text('cycle-time-p50-value')).toBe(cycle.total.insufficientData ? notEnoughData(cycle.total.n) : formatHours(cycle.total.values.p50));
    expect(await text('cycle-time-p50-n')).toBe(`n = ${formatCount(cycle.total.n)} experiments`);
    expect(await text('cycle-time-p50-change')).toContain('vs previous period');
    // Two lines (p50, p90) with a dot per bucket that has a value.
    const chart = page.getByTestId('cycle-time').locator('.recharts-line');
    expect(await chart.count()).toBe(2);
    const withValue = cycle.rows.filter((r) => r.values.p50 !== null).length + cycle.rows.filter((r) => r.values.p90 !== null).length;
    expect(await page.getByTestId('cycle-time').locator('.recharts-line-dot').count()).toBe(withValue);

    const throughput = await metric('experiment-throughput', { compare: 'previous' });
    expect(await text('throughput-total-value')).toBe(formatCount(throughput.total.values.experiments));
    expect(await tableRows('throughput-table')).toEqual(
      throughput.rows.map((r) => [formatBucket(r.bucket, 'week'), ...['experiments', 'ciSuccess', 'previewDeployment', 'evidenceEvent'].map((k) => formatCount(r.values[k])), formatCount(r.n)]),
    );
    // One bar segment per bucket and kind of evidence with a count above zero.
    const segments = throughput.rows.reduce((sum, r) => sum + ['ciSuccess', 'previewDeployment', 'evidenceEvent'].filter((k) => (r.values[k] ?? 0) > 0).length, 0);
    expect(await page.getByTestId('throughput').locator('path.recharts-rectangle').count()).toBe(segments);

    const mix = await metric('decision-mix', { compare: 'previous' });
    expect(await text('decision-mix-promoted-value')).toBe(formatPercent(mix.total.values.promotedShare));
    await screenshot('overview-1280');
  });

  it('overview: changing the team changes the URL and the numbers', async () => {
    const before = await tableRows('cycle-time-table');
    await page.getByRole('search', { name: 'Filters' }).getByLabel('Team').selectOption('growth');
    await page.waitForURL(/team=growth/);
    expect(new URL(page.url()).searchParams.get('from')).toBe(data.period.from);
    const growth = await metric('insight-to-evidence', { compare: 'previous', team: 'growth' });
    await eventually(() => tableRows('cycle-time-table'), expectedCycleRows(growth));
    expect(await tableRows('cycle-time-table')).not.toEqual(before);
    // Back undoes the filter, as it is a navigation.
    await page.goBack();
    await page.waitForURL((url) => !url.searchParams.has('team'));
    await eventually(() => tableRows('cycle-time-table'), before);
  });

  it('overview: a preset period fills the URL and draws one bucket per week', async () => {
    await page.getByRole('search', { name: 'Filters' }).getByLabel('Period').selectOption('4w');
    await page.waitForURL(/period=4w/);
    expect(new URL(page.url()).searchParams.has('from')).toBe(false);
    await eventually(async () => (await tableRows('cycle-time-table')).length, 4);
  });

  it('teams: every team with its numbers, and a team page with stages and DORA', async () => {
    await open(`/teams?${periodParams}`);
    await settledPanels();
    for (const team of data.teams) {
      const m = await metric('insight-to-evidence', { team, compare: 'previous' });
      const expected = m.total.insufficientData ? notEnoughData(m.total.n) : formatHours(m.total.values.p50);
      expect(await poll(() => text(`team-${team}-cycle`), (v) => v.includes(expected))).toContain(expected);
    }
    await screenshot('teams-1280');
    await page.getByRole('link', { name: 'Payments' }).click();
    await page.waitForURL(/\/teams\/payments\?/);
    await eventually(() => page.locator('main h1').textContent(), 'Payments');
    const states = await settledPanels();
    expect(states).toMatchObject({ throughput: 'content', 'cycle-time': 'content', stages: 'content', dora: 'content', 'decision-mix': 'content' });
    const payments = await metric('insight-to-evidence', { team: 'payments', compare: 'previous' });
    expect(await tableRows('cycle-time-table')).toEqual(expectedCycleRows(payments));
    expect(await text('stages-slowest')).toMatch(/^Most time goes to (wait|build|verify|decide): /);
    const dora = await metric('dora', { compare: 'previous' });
    expect(await text('dora-deployments-value')).toBe(formatCount(dora.total.values.deployments));
    expect(await text('dora-cfr-value')).toBe(formatPercent(dora.total.values.changeFailureRate));
    await page.getByTestId('dora').getByText(/^All teams: DORA is not split by team yet/).waitFor();
    await screenshot('team-payments-1280');
  });

  it('experiments: search the list and open a timeline with each event, its source and why it is linked', async () => {
    await open('/experiments?period=custom&from=2025-12-01&to=2026-03-31');
    await settledPanels();
    await page.getByLabel('Search title or key').fill('CSV');
    await page.waitForURL(/q=CSV/);
    const list = await api('/api/experiments?q=CSV&from=2025-12-01T00:00:00.000Z&to=2026-04-01T00:00:00.000Z', (b) => experimentListSchema.parse(b));
    expect(list.total).toBe(1);
    await eventually(async () => (await tableRows('experiment-list')).length, 1);
    await page.getByRole('link', { name: /ENG-42/ }).click();
    await page.waitForURL(new RegExp(`/experiments/${list.items[0].id}`));
    await page.getByTestId('experiment-timeline').and(page.locator('[data-state=content]')).waitFor();
    const detail = await api(`/api/experiments/${list.items[0].id}`, (b) => experimentDetailSchema.parse(b));
    const entries = page.locator('.timeline > li');
    expect(await entries.count()).toBe(detail.timeline.length);
    expect(await entries.locator('.badge.source').allTextContents()).toEqual(detail.timeline.map((e) => e.source));
    expect(await entries.locator('.badge.receipt').count()).toBe(detail.timeline.filter((e) => e.atIsReceiptTime).length);
    expect(await page.locator('.timeline .why').filter({ hasText: /^Linked: / }).count()).toBe(detail.timeline.filter((e) => e.link && e.link.foundIn !== 'derived').length);
    expect(await page.locator('main h1').textContent()).toBe(`ENG-42: ${detail.workItem.title}`);
    await screenshot('experiment-1280');
  });

  it('agents: quality per agent, AI-assisted next to other PRs, cost and the sessions from the telemetry', async () => {
    await open(`/agents?${periodParams}`);
    const states = await settledPanels();
    expect(states).toMatchObject({ 'agent-quality': 'content', 'agent-cost': 'content', 'agent-sessions': 'content' });
    expect(['content', 'empty']).toContain(states['assisted-vs-other']);
    expect(['content', 'empty']).toContain(states['pr-cycle']);
    // The quality table: one row per agent, its period total asked with that agent as filter.
    const claude = await metric('agent-quality', { agent: 'claude-code' });
    const row = page.getByTestId('agent-quality-totals').locator('tr[data-group="claude-code"]');
    await eventually(async () => ((await row.locator('td').last().textContent()) ?? '').trim(), claude.total.insufficientData ? notEnoughData(claude.total.n) : formatCount(claude.total.n));
    const cost = await metric('agent-cost', { compare: 'previous' });
    expect(await text('agent-cost-total-value')).toBe(formatUsd(cost.total.values.costUsd));
    expect(await page.getByTestId('agent-sessions').locator('tbody tr').count()).toBe(4);
    await page.getByRole('search', { name: 'Filters' }).getByLabel('Model').fill('claude-haiku-4-5');
    await page.keyboard.press('Enter');
    await page.waitForURL(/model=claude-haiku-4-5/);
    await eventually(() => page.getByTestId('agent-sessions').locator('tbody tr').count(), 2);
    await screenshot('agents-1280');
  });

  it('regressions: run detection, then acknowledge and resolve a finding', async () => {
    await open('/regressions');
    const states = await settledPanels();
    expect(['content', 'empty']).toContain(states.regressions);
    await page.getByRole('button', { name: 'Run detection now' }).click();
    await page.getByRole('status').filter({ hasText: 'Detection ran' }).waitFor();
    // Team search got slower in the last two weeks (see dashboard-data.ts): the detector opens a finding.
    const findings = await api('/api/regressions?status=open', (b) => regressionListSchema.parse(b));
    expect(findings.items.length).toBeGreaterThan(0);
    const finding = findings.items[0];
    const card = page.locator(`[data-finding="${finding.id}"]`);
    await card.waitFor();
    expect(await card.getAttribute('data-status')).toBe('open');
    expect(await card.getByText(finding.summary).count()).toBe(1);
    await screenshot('regressions-1280');
    await card.getByRole('button', { name: 'Acknowledge' }).click();
    await page.locator(`[data-finding="${finding.id}"][data-status=acknowledged]`).waitFor();
    await card.getByRole('button', { name: 'Resolve' }).click();
    await page.locator(`[data-finding="${finding.id}"][data-status=resolved]`).waitFor();
    const after = await api('/api/regressions?status=resolved', (b) => regressionListSchema.parse(b));
    expect(after.items.map((f) => f.id)).toContain(finding.id);
  });

  it('settings: integrations with a copyable URL and a secret shown once, tokens, pipeline', async () => {
    await open('/settings');
    const states = await settledPanels();
    expect(states).toMatchObject({ integrations: 'content', tokens: 'content', 'pipeline-stats': 'content', 'ingest-stats': 'content' });
    expect(await page.locator('[data-integration]').count()).toBe(4);
    const form = page.getByRole('form', { name: 'Connect a source' });
    await form.getByLabel('Source').selectOption('gitlab');
    await form.getByLabel('Name').fill('acme GitLab');
    await form.getByRole('button', { name: 'Connect' }).click();
    const secretBox = page.getByTestId('integration-secret');
    await secretBox.waitFor();
    expect(await secretBox.getByLabel('Webhook URL', { exact: true }).inputValue()).toMatch(new RegExp(`/webhooks/gitlab/[0-9a-f-]{36}$`));
    expect((await secretBox.getByLabel('Secret', { exact: true }).inputValue()).length).toBeGreaterThanOrEqual(16);
    await eventually(() => page.locator('[data-integration]').count(), 5);
    await secretBox.getByRole('button', { name: 'I have copied it' }).click();
    expect(await page.getByTestId('integration-secret').count()).toBe(0);

    const tokenForm = page.getByRole('form', { name: 'Create a token' });
    await tokenForm.getByLabel('Name').fill('browser test');
    await tokenForm.getByRole('button', { name: 'Create token' }).click();
    await page.getByTestId('token-secret').waitFor();
    const row = page.locator('tr', { hasText: 'browser test' });
    await row.getByRole('button', { name: 'Revoke token browser test' }).click();
    await row.getByRole('button', { name: 'Revoke browser test' }).click();
    await row.getByText(/^revoked /).waitFor();

    const pipeline = await api('/api/pipeline/stats', (b) => pipelineStatsSchema.parse(b));
    const rows = await page.getByTestId('pipeline-stats').locator('table').first().locator('tbody tr').all();
    const shown = await Promise.all(rows.map((r) => r.locator('th, td').allTextContents()));
    expect(shown).toEqual(Object.entries(pipeline.byStatus).map(([status, count]) => [status, formatCount(count)]));
    await screenshot('settings-1280');

    await page.getByRole('link', { name: 'Set up GitHub' }).first().click();
    await page.getByRole('heading', { name: 'Connect GitHub' }).waitFor();
  });

  it('settings: teams and identities, users and the audit log show what the API answers', async () => {
    async function adminApi<T>(path: string, parse: (body: unknown) => T): Promise<T> {
      const res = await t.request('GET', path, { token: data.adminToken });
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${res.text}`);
      return parse(res.body);
    }
    const created = await t.request('POST', '/api/users', { token: data.adminToken, body: { email: 'exec@acme.test', displayName: 'Eve Executive', role: 'executive' } });
    expect(created.status).toBe(201);
    await open('/settings');
    expect(await settledPanels()).toMatchObject({ 'teams-identities': 'content', users: 'content', audit: 'content' });

    // Teams with their member counts, and a team's members with the identities resolved to them, on demand.
    const teams = await adminApi('/api/teams', (b) => teamListSchema.parse(b));
    expect(teams.items.map((team) => team.key)).toEqual(expect.arrayContaining(data.teams));
    expect(await tableRows('teams-identities')).toEqual(
      teams.items.map((team) => [team.name === team.key ? team.name : `${team.name} ${team.key}`, formatCount(team.memberCount), `Show members of ${team.name}`]),
    );
    const payments = await adminApi('/api/teams/payments', (b) => teamDetailSchema.parse(b));
    await page.getByRole('button', { name: 'Show members of Payments' }).click();
    const members = page.getByTestId('team-members-payments');
    await members.and(page.locator('[data-state=content]')).waitFor();
    expect(await members.locator('tbody th').evaluateAll((cells) => cells.map((c) => c.firstChild?.textContent))).toEqual(payments.members.map((m) => m.displayName));
    expect(await members.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.querySelectorAll('td')[1].querySelectorAll('li').length))).toEqual(
      payments.members.map((m) => m.identities.length),
    );
    // A file that is not YAML is refused with its place in the file, as the server parses it.
    const importForm = page.getByRole('form', { name: 'Import the teams file' });
    await importForm.getByLabel('Teams file (YAML)').fill('teams:\n  - key: payments\n    members: []\nteams: []\n');
    await importForm.getByRole('button', { name: 'Import' }).click();
    await importForm.getByRole('alert').filter({ hasText: 'Map keys must be unique at line 4, column 1. Nothing was imported.' }).waitFor();
    await importForm.getByRole('button', { name: 'Go to line 4' }).waitFor();

    // The users, as the API lists them; one created here, then disabled.
    const usersBefore = await adminApi('/api/users', (b) => userListSchema.parse(b));
    expect(usersBefore.items.map((u) => u.email)).toContain('exec@acme.test');
    const userRows = page.getByTestId('users').locator('tr[data-user]');
    expect(await userRows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-user')))).toEqual(usersBefore.items.map((u) => u.id));
    for (const u of usersBefore.items) expect(await page.getByLabel(`Role of ${u.email}`, { exact: true }).inputValue()).toBe(u.role);
    const userForm = page.getByRole('form', { name: 'Create a user' });
    await userForm.getByLabel('Email').fill('browser-user@acme.test');
    await userForm.getByLabel('single sign-on only').check();
    await userForm.getByRole('button', { name: 'Create user' }).click();
    await userForm.getByRole('status').filter({ hasText: 'browser-user@acme.test can sign in as member through single sign-on.' }).waitFor();
    await page.getByRole('button', { name: 'Disable browser-user@acme.test' }).click();
    await page.getByRole('group', { name: 'Confirm disabling browser-user@acme.test' }).getByRole('button', { name: 'Disable browser-user@acme.test' }).click();
    await page.getByRole('button', { name: 'Enable browser-user@acme.test' }).waitFor();
    const usersAfter = await adminApi('/api/users', (b) => userListSchema.parse(b));
    expect(usersAfter.items.find((u) => u.email === 'browser-user@acme.test')).toMatchObject({ role: 'member', passwordSignIn: false, disabled: true });
    // An admin renames a user: the row and the API show the new name.
    await page.getByRole('button', { name: 'Edit exec@acme.test' }).click();
    const editForm = page.getByRole('form', { name: 'Edit exec@acme.test' });
    expect(await editForm.getByLabel('Name', { exact: true }).inputValue()).toBe('Eve Executive');
    await editForm.getByLabel('Name', { exact: true }).fill('Eve Exec-Renamed');
    await editForm.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('users').getByRole('status').filter({ hasText: 'Eve Exec-Renamed (exec@acme.test): name saved.' }).waitFor();
    await page.getByTestId('users').getByRole('rowheader', { name: /^Eve Exec-Renamed/ }).waitFor();
    expect(await editForm.count()).toBe(0);
    const renamed = (await adminApi('/api/users', (b) => userListSchema.parse(b))).items.find((u) => u.email === 'exec@acme.test');
    expect(renamed).toMatchObject({ displayName: 'Eve Exec-Renamed', access: { teams: 'all', personDetail: [] } });
    expect(await page.locator(`tr[data-user="${renamed?.id}"] td`).nth(3).textContent()).toBe('every team, without per-person numbers');

    // The audit log, newest first: the page's first page is the API's, including what was just done.
    const auditIds = () => page.locator('[data-testid="audit"] tr[data-audit]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-audit')));
    const newest = await adminApi(`/api/audit?limit=50`, (b) => auditListSchema.parse(b));
    expect(newest.items.slice(0, 3).map((e) => e.action)).toEqual(['user.updated', 'user.updated', 'user.created']);
    expect(newest.items[0].details).toEqual({ email: 'exec@acme.test', changes: { displayName: { from: 'Eve Executive', to: 'Eve Exec-Renamed' } } });
    await eventually(auditIds, newest.items.map((e) => e.id));
    // Only token actions: the tokens the test set-up created, each with who, what, on what, when.
    await page.getByRole('search', { name: 'Filter the audit log' }).getByLabel('Action').selectOption('token.');
    await page.waitForURL(/auditAction=token\./);
    const tokenEntries = await adminApi(`/api/audit?action=token.&limit=50`, (b) => auditListSchema.parse(b));
    const setUpTokens = tokenEntries.items.filter((e) => e.action === 'token.created' && e.actor.label === 'LOOPMETER_ADMIN_TOKEN').map((e) => e.details.name);
    expect(setUpTokens).toEqual(expect.arrayContaining(['dashboard admin', 'dashboard read', 'events', 'claude code']));
    const auditCells = () =>
      page.locator('[data-testid="audit"] tr[data-audit]').evaluateAll((rows) =>
        rows.map((r) => {
          const cells = r.querySelectorAll(':scope > td');
          return [cells[0].textContent, cells[1].firstChild?.textContent, r.getAttribute('data-action'), cells[3].textContent, cells[4].textContent];
        }),
      );
    await eventually(
      auditCells,
      tokenEntries.items.map((e) => [formatDateTime(e.at), e.actor.label ?? e.actor.id, e.action, e.target ?? '—', e.outcome]),
    );
    const first = tokenEntries.items.find((e) => e.details.name === 'dashboard admin');
    await page.getByRole('button', { name: `Show details of entry ${first?.id}`, exact: true }).click();
    await page.locator(`[data-details-of="${first?.id}"] dd`, { hasText: 'dashboard admin' }).waitFor();
    await screenshot('settings-admin-1280');
    if (SCREENSHOTS) {
      await page.setViewportSize({ width: 768, height: 1000 });
      await screenshot('settings-admin-768');
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it('reads at 768 px: no sideways scrolling, charts still drawn', async () => {
    await page.setViewportSize({ width: 768, height: 1000 });
    for (const path of [`/?${periodParams}`, `/teams/payments?${periodParams}`, '/experiments?period=12m', '/settings']) {
      await open(path);
      await settledPanels();
      const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
      expect({ path, width }).toEqual({ path, width: 768 });
    }
    await open(`/?${periodParams}`);
    await settledPanels();
    expect(await page.getByTestId('cycle-time').locator('.recharts-line').count()).toBe(2);
    await screenshot('overview-768');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('works from the keyboard: a skip link first, every control labelled', async () => {
    await open(`/?${periodParams}`);
    await settledPanels();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Skip to content');
    for (const path of [`/?${periodParams}`, '/experiments', '/agents', '/regressions', '/settings']) {
      await open(path);
      await settledPanels();
      // Every input, select and button has an accessible name.
      const unlabelled = await page.evaluate(`Array.from(document.querySelectorAll('input, select, button, textarea'))
        .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !(el.textContent || '').trim())
        .map((el) => el.outerHTML.slice(0, 80))`);
      expect({ path, unlabelled }).toEqual({ path, unlabelled: [] });
    }
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Loopmeter' }).waitFor();
    await page.goto(t.url + '/');
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
  });
});
