import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from '../support/test-app';
import { createIntegration, expectError, fixtureJson, sendJira } from '../support/webhook-senders';

/**
 * Regression (found by the fuzz of test/reliability): a correctly signed delivery whose content PostgreSQL cannot
 * store in the raw store's columns (a NUL character in the Jira event name, which becomes the text column
 * `event_type`) is answered 400 with a reason, not 500; nothing is stored and the next delivery is accepted.
 */
describe('ingest: content the database cannot store', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers 400 unstorable_content and stores nothing', async () => {
    const jira = await createIntegration(t, 'jira');
    const refused = await sendJira(t, jira, { ...fixtureJson('jira', 'issue-created.json'), webhookEvent: 'jira:issue_\u0000created' });
    expectError(refused, 400, 'unstorable_content');
    const accepted = await sendJira(t, jira, fixtureJson('jira', 'issue-created.json'));
    expect(accepted.status).toBe(200);
    const rows = await t.app.get(DataSource).query(`SELECT event_type FROM raw_events WHERE integration_id = $1`, [jira.id]);
    expect(rows).toEqual([{ event_type: 'jira:issue_created' }]);
  });
});
