import { AGENT_RUNS_EXPORT_V1_COLUMNS, agentRunsExportV1RowSchema, errorResponseSchema, type AuditList } from '@loopmeter/shared';
import { DataSource } from 'typeorm';
import { AgentRunsExportService } from '../../server/src/export/agent-runs-export.service';
import { DEFAULT_ORG_ID } from '../../server/src/orgs/org.entity';
import { signedInUser } from '../support/sign-in';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

/**
 * "Allow enterprise admins to export evaluation runs by workspace": a workspace is a team, an evaluation run an
 * agent run with its outcome. One test per acceptance criterion, on these hand-made runs:
 *
 *   session            team      agent        model            runs (kind → outcome, at)
 *   pay-1              payments  claude-code  claude-sonnet-4  api_request→success 2025-03-03T09:00, tool_decision→rejected 09:05 (model from the session)
 *   pay-2              payments  codex        gpt-5            api_request→error 2025-03-10T10:00
 *   srch-1             search    claude-code  claude-sonnet-4  tool_result→success 2025-03-04T12:00 (person bo@example.com)
 */
const RUNS = [
  { session: 'pay-1', agent: 'claude-code', run: 'r1', kind: 'api_request', at: '2025-03-03T09:00:00.000Z', model: 'claude-sonnet-4', outcome: 'success', tool: null },
  { session: 'pay-1', agent: 'claude-code', run: 'r2', kind: 'tool_decision', at: '2025-03-03T09:05:00.000Z', model: null, outcome: 'rejected', tool: 'Bash' },
  { session: 'pay-2', agent: 'codex', run: 'r3', kind: 'api_request', at: '2025-03-10T10:00:00.000Z', model: 'gpt-5', outcome: 'error', tool: null },
  { session: 'srch-1', agent: 'claude-code', run: 'r4', kind: 'tool_result', at: '2025-03-04T12:00:00.000Z', model: null, outcome: 'success', tool: 'Edit' },
];
const SESSIONS = [
  { session: 'pay-1', agent: 'claude-code', team: 'payments', model: 'claude-sonnet-4', person: 'al@example.com' },
  { session: 'pay-2', agent: 'codex', team: 'payments', model: 'gpt-5', person: 'al@example.com' },
  { session: 'srch-1', agent: 'claude-code', team: 'search', model: 'claude-sonnet-4', person: 'bo@example.com' },
];

describe('export of evaluation runs by workspace (GET /api/export/agent-runs)', () => {
  let t: TestApp;
  let db: DataSource;
  let memberCookie: string;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    for (const s of SESSIONS) {
      await db.query(
        `INSERT INTO agent_sessions (org_id, agent, session_id, person_key, team, model, started_at, ended_at, raw_event_id) VALUES ($1, $2, $3, $4, $5, $6, '2025-03-01', '2025-03-11', 1)`,
        [DEFAULT_ORG_ID, s.agent, s.session, s.person, s.team, s.model],
      );
    }
    for (const r of RUNS) {
      await db.query(
        `INSERT INTO agent_runs (org_id, agent, session_id, run_key, kind, at, model, outcome, tool_name, input_tokens, output_tokens, cost_usd, duration_ms, raw_event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 100, 20, 0.25, 1500, 1)`,
        [DEFAULT_ORG_ID, r.agent, r.session, r.run, r.kind, r.at, r.model, r.outcome, r.tool],
      );
    }
    ({ cookie: memberCookie } = await signedInUser(t, 'mia@example.com', 'member'));
  });
  afterAll(() => t.close());

  const exportAs = (query: string, headers: Record<string, string> = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }) => fetch(`${t.url}/api/export/agent-runs${query}`, { headers });
  const ndjson = async (query: string) => (await (await exportAs(`${query}${query ? '&' : '?'}format=ndjson`)).text()).trim().split('\n').filter(Boolean).map((l) => agentRunsExportV1RowSchema.parse(JSON.parse(l)));
  const lastExportAudit = async () => (await t.request<AuditList>('GET', '/api/audit?action=export.agent_runs&limit=1', { token: TEST_ADMIN_TOKEN })).body.items[0];

  it('1. admins filter by team, and by period, agent and model', async () => {
    expect((await ndjson('?team=payments')).map((r) => r.run_id)).toEqual(['claude-code/pay-1/r1', 'claude-code/pay-1/r2', 'codex/pay-2/r3']);
    expect((await ndjson('?team=search')).map((r) => r.run_id)).toEqual(['claude-code/srch-1/r4']);
    expect((await ndjson('?from=2025-03-04&to=2025-03-10')).map((r) => r.run_id)).toEqual(['claude-code/srch-1/r4']);
    expect((await ndjson('?team=payments&agent=codex')).map((r) => r.run_id)).toEqual(['codex/pay-2/r3']);
    // A run without its own model is filtered (and exported) with its session's model.
    expect((await ndjson('?model=claude-sonnet-4')).map((r) => r.run_id)).toEqual(['claude-code/pay-1/r1', 'claude-code/pay-1/r2', 'claude-code/srch-1/r4']);
    expect(await ndjson('?team=nobody')).toEqual([]);
    const bad = await exportAs('?format=xlsx');
    expect(bad.status).toBe(400);
  });

  it('2. refuses non-admins with 403 and no data, and audits the attempt', async () => {
    const { token: readToken } = (await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'dashboard', scope: 'read' } })).body;
    // Every role but admin: the executive (who sees every team) and the lead (who sees per-person numbers) too.
    const { cookie: executiveCookie } = await signedInUser(t, 'eli@example.com', 'executive');
    const { cookie: leadCookie } = await signedInUser(t, 'lou@example.com', 'lead');
    const callers: Array<Record<string, string>> = [{ cookie: memberCookie }, { cookie: executiveCookie }, { cookie: leadCookie }, { authorization: `Bearer ${readToken}` }];
    for (const headers of callers) {
      const res = await exportAs('?team=payments', headers);
      expect(res.status).toBe(403);
      const body = errorResponseSchema.parse(await res.json());
      expect(['insufficient_role', 'insufficient_scope']).toContain(body.code);
      expect(JSON.stringify(body)).not.toContain('pay-1');
    }
    const denied = (await t.request<AuditList>('GET', '/api/audit?action=export.agent_runs&outcome=denied', { token: TEST_ADMIN_TOKEN })).body.items;
    expect(denied.map((e) => [e.actor.kind, e.actor.label, e.target, e.details.query])).toEqual([
      ['token', 'dashboard', 'GET /api/export/agent-runs', { team: 'payments' }],
      ['user', 'lou@example.com', 'GET /api/export/agent-runs', { team: 'payments' }],
      ['user', 'eli@example.com', 'GET /api/export/agent-runs', { team: 'payments' }],
      ['user', 'mia@example.com', 'GET /api/export/agent-runs', { team: 'payments' }],
    ]);
  });

  it('3. includes run id, timestamp, score/outcome, model and evaluator (agent and check), as CSV and as NDJSON', async () => {
    const csv = await exportAs('?team=payments&format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="loopmeter-agent-runs-v1-payments-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = (await csv.text()).split('\r\n');
    expect(lines[1]).toBe('claude-code/pay-1/r1,2025-03-03T09:00:00.000Z,payments,claude-code,claude-sonnet-4,api_request,claude-code/model-api-response,model-api-response,success,1,pay-1,al@example.com,,1500,0.25,100,20');
    expect(lines[2]).toBe('claude-code/pay-1/r2,2025-03-03T09:05:00.000Z,payments,claude-code,claude-sonnet-4,tool_decision,claude-code/user-tool-decision,user-tool-decision,rejected,0,pay-1,al@example.com,Bash,1500,0.25,100,20');
    expect(lines.length).toBe(1 + 3 + 1);
    const rows = await ndjson('?team=payments&agent=codex');
    expect(rows).toEqual([
      {
        run_id: 'codex/pay-2/r3',
        timestamp: '2025-03-10T10:00:00.000Z',
        team: 'payments',
        agent: 'codex',
        model: 'gpt-5',
        run_kind: 'api_request',
        evaluator: 'codex/model-api-response',
        check: 'model-api-response',
        outcome: 'error',
        score: 0,
        session_id: 'pay-2',
        person: 'al@example.com',
        tool_name: null,
        duration_ms: 1500,
        cost_usd: 0.25,
        input_tokens: 100,
        output_tokens: 20,
      },
    ]);
    const nd = await exportAs('?format=ndjson');
    expect(nd.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(nd.headers.get('x-loopmeter-export-format')).toBe('agent-runs.v1.ndjson');
  });

  it('4. keeps its format: version 1 is the default, and its CSV header is pinned', async () => {
    const res = await exportAs('?team=search');
    expect(res.headers.get('x-loopmeter-export-format')).toBe('agent-runs.v1.csv');
    const [header] = (await res.text()).split('\r\n');
    // Never edit this line: a new layout is a new version (docs/export.md).
    expect(header).toBe('run_id,timestamp,team,agent,model,run_kind,evaluator,check,outcome,score,session_id,person,tool_name,duration_ms,cost_usd,input_tokens,output_tokens');
    expect(header).toBe(AGENT_RUNS_EXPORT_V1_COLUMNS.join(','));
    expect((await exportAs('?version=1&format=csv&team=search')).headers.get('x-loopmeter-export-format')).toBe('agent-runs.v1.csv');
    expect((await exportAs('?version=2')).status).toBe(400);
  });

  it('5. records the export in the audit log: who, the filters and the row count', async () => {
    const { cookie } = await signedInUser(t, 'root@example.com', 'admin');
    const res = await exportAs('?team=payments&from=2025-03-01&to=2025-04-01&format=csv', { cookie });
    expect(res.status).toBe(200);
    await res.text();
    expect(await lastExportAudit()).toMatchObject({
      actor: { kind: 'user', label: 'root@example.com' },
      outcome: 'success',
      target: 'payments',
      details: { filters: { team: 'payments', from: '2025-03-01', to: '2025-04-01', agent: null, model: null }, format: 'csv', version: '1', rows: 3, completed: true },
    });
  });

  it('streams: a large export is read in batches as the client consumes it, never whole into memory', async () => {
    const total = 200_000;
    await db.query(`INSERT INTO agent_sessions (org_id, agent, session_id, team, started_at, ended_at, raw_event_id) VALUES ($1, 'bulk-agent', 'bulk', 'bulk', '2024-01-01', '2024-01-02', 1)`, [DEFAULT_ORG_ID]);
    await db.query(
      `INSERT INTO agent_runs (org_id, agent, session_id, run_key, kind, at, model, outcome, raw_event_id)
       SELECT $1, 'bulk-agent', 'bulk', 'run-' || i, 'api_request', timestamptz '2024-01-01' + i * interval '1 second', 'm', 'success', 1 FROM generate_series(1, $2) AS i`,
      [DEFAULT_ORG_ID, total],
    );
    const service = t.app.get(AgentRunsExportService);
    const before = service.rowsRead;
    const res = await exportAs('?team=bulk&format=csv');
    const reader = res.body!.getReader();
    let bytes = (await reader.read()).value!.length;
    // The client pauses: once the socket buffers are full, the server stops reading batches.
    let seen = -1;
    while (seen !== service.rowsRead) {
      seen = service.rowsRead;
      await new Promise((r) => setTimeout(r, 300));
    }
    const readWhilePaused = service.rowsRead - before;
    expect(readWhilePaused).toBeLessThan(total / 2);
    let lines = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      for (const byte of value) if (byte === 10) lines++;
    }
    expect(service.rowsRead - before).toBe(total);
    expect(lines).toBe(total); // plus the header line, counted from the first chunk
    expect(bytes).toBeGreaterThan(total * 50);
    expect(await lastExportAudit()).toMatchObject({ details: { rows: total, completed: true } });
  }, 180_000);
});
