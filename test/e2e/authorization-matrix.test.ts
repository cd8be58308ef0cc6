import { randomUUID } from 'node:crypto';
import { OpenApiService } from '../../server/src/openapi/openapi.service';
import type { RouteEntry } from '../../server/src/openapi/route-table';
import { signedInUser } from '../support/sign-in';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

/**
 * Who may call each route, written down here independently of the decorators. Every route of the route table
 * (collectRoutes) needs a rule: a new route without one fails this test until someone decides who may call it.
 *   public    anyone, signed in or not
 *   signed-in any user or any token
 *   people    signed-in users only (no token)
 *   read      every user role (each sees their own scope), read and admin tokens
 *   admin     admin users and admin tokens
 *   ingest    ingest and admin tokens, no user
 */
type Who = 'public' | 'signed-in' | 'people' | 'read' | 'admin' | 'ingest';

const RULES: Record<string, Who> = {
  'GET /*': 'public',
  'GET /api/health': 'public',
  'GET /api/docs': 'public',
  'GET /api/docs/openapi.json': 'public',
  'GET /api/docs/swagger-init.js': 'public',
  'GET /api/setup': 'public',
  'POST /api/setup': 'public',
  'POST /api/auth/login': 'public',
  'POST /api/auth/logout': 'public',
  'GET /api/auth/oidc/start': 'public',
  'GET /api/auth/oidc/callback': 'public',
  'POST /webhooks/{kind}/{integrationId}': 'public',
  'GET /api/auth/me': 'signed-in',
  'POST /api/auth/password': 'people',
  'POST /api/events': 'ingest',
  'POST /v1/logs': 'ingest',
  'POST /v1/metrics': 'ingest',
  'POST /v1/traces': 'ingest',
  'GET /api/experiments': 'read',
  'GET /api/experiments/{id}': 'read',
  'GET /api/metrics/{metric}': 'read',
  'GET /api/agent-sessions': 'read',
  'GET /api/agent-sessions/{agent}/{sessionId}': 'read',
  'GET /api/agent-usage': 'read',
  'GET /api/teams': 'read',
  'GET /api/teams/{key}': 'read',
  'GET /api/ingest/stats': 'read',
  'GET /api/pipeline/stats': 'read',
  'GET /api/regressions': 'read',
  'GET /metrics': 'read',
  'GET /api/audit': 'admin',
  'GET /api/export/agent-runs': 'admin',
  'GET /api/users': 'admin',
  'POST /api/users': 'admin',
  'PATCH /api/users/{id}': 'admin',
  'GET /api/tokens': 'admin',
  'POST /api/tokens': 'admin',
  'DELETE /api/tokens/{id}': 'admin',
  'GET /api/integrations': 'admin',
  'POST /api/integrations': 'admin',
  'GET /api/integrations/{id}': 'admin',
  'PATCH /api/integrations/{id}': 'admin',
  'POST /api/integrations/{id}/rotate-secret': 'admin',
  'POST /api/teams/import': 'admin',
  'POST /api/pipeline/reprocess': 'admin',
  'POST /api/agent-usage/import': 'admin',
  'POST /api/agent-usage/pull': 'admin',
  'GET /api/alert-destinations': 'admin',
  'POST /api/alert-destinations': 'admin',
  'DELETE /api/alert-destinations/{id}': 'admin',
  'DELETE /api/demo': 'admin',
  'POST /api/demo': 'admin',
  'PATCH /api/regressions/{id}': 'admin',
  'POST /api/regressions/run': 'admin',
  'POST /api/rollups/rebuild': 'admin',
};

type Caller =
  | { name: 'anonymous'; kind: 'anonymous' }
  | { name: string; kind: 'user'; role: 'admin' | 'executive' | 'lead' | 'member' }
  | { name: string; kind: 'token'; scope: 'admin' | 'read' | 'ingest' };

const CALLERS: Caller[] = [
  { name: 'anonymous', kind: 'anonymous' },
  { name: 'admin user', kind: 'user', role: 'admin' },
  { name: 'executive user', kind: 'user', role: 'executive' },
  { name: 'lead user', kind: 'user', role: 'lead' },
  { name: 'member user', kind: 'user', role: 'member' },
  { name: 'admin token', kind: 'token', scope: 'admin' },
  { name: 'read token', kind: 'token', scope: 'read' },
  { name: 'ingest token', kind: 'token', scope: 'ingest' },
];

type Outcome = 'allowed' | 401 | 403;

function expected(who: Who, caller: Caller): Outcome {
  if (who === 'public') return 'allowed';
  if (caller.kind === 'anonymous') return 401;
  if (who === 'signed-in') return 'allowed';
  if (caller.kind === 'user') {
    if (who === 'people' || who === 'read') return 'allowed';
    if (who === 'admin') return caller.role === 'admin' ? 'allowed' : 403;
    return 403;
  }
  if (who === 'people') return 403;
  if (caller.scope === 'admin') return 'allowed';
  if (who === 'read') return caller.scope === 'read' ? 'allowed' : 403;
  if (who === 'ingest') return caller.scope === 'ingest' ? 'allowed' : 403;
  return 403;
}

/** A concrete path for a route: ids that exist nowhere, a known metric, a page of the web app. */
function concretePath(path: string): string {
  return path
    .replace('{metric}', 'insight-to-evidence')
    .replace('{kind}', 'github')
    .replace('{key}', 'payments')
    .replace('{agent}', 'claude-code')
    .replace(/\{[^}]+\}/g, () => randomUUID())
    .replace(/\*$/, 'matrix-page');
}

const AUTHORIZATION_CODES = new Set(['missing_token', 'invalid_token', 'invalid_session', 'insufficient_scope', 'insufficient_role']);

describe('authorization matrix: every route × every role and token scope', () => {
  let t: TestApp;
  let routes: RouteEntry[];
  const credentials = new Map<string, Record<string, string>>();

  beforeAll(async () => {
    t = await startTestApp();
    routes = t.app.get(OpenApiService).routes();
    for (const caller of CALLERS) {
      if (caller.kind === 'user') {
        const { cookie } = await signedInUser(t, `${caller.role}@matrix.example.com`, caller.role);
        credentials.set(caller.name, { cookie });
      } else if (caller.kind === 'token') {
        const res = await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: caller.name, scope: caller.scope } });
        credentials.set(caller.name, { authorization: `Bearer ${res.body.token}` });
      } else {
        credentials.set(caller.name, {});
      }
    }
  });
  afterAll(() => t.close());

  it('has a rule for every route of the route table', () => {
    const missing = routes.map((r) => `${r.method} ${r.path}`).filter((key) => !(key in RULES));
    expect(missing).toEqual([]);
  });

  it('answers every route as its rule says, for every caller', async () => {
    // Signing out ends the session it is sent with: that route goes last.
    const ordered = [...routes].sort((a, b) => Number(a.path === '/api/auth/logout') - Number(b.path === '/api/auth/logout'));
    const mismatches: string[] = [];
    let checked = 0;
    for (const route of ordered) {
      const who = RULES[`${route.method} ${route.path}`];
      if (who === undefined) continue;
      for (const caller of CALLERS) {
        const want = expected(who, caller);
        const unsafe = route.method !== 'GET';
        // Writes carry a body no endpoint accepts, so an allowed call is refused by validation and changes nothing.
        const res = await fetch(t.url + concretePath(route.path), {
          method: route.method,
          headers: { ...credentials.get(caller.name), ...(unsafe ? { 'content-type': 'application/json' } : {}) },
          body: unsafe ? JSON.stringify({ matrixProbe: true }) : undefined,
        });
        const text = await res.text();
        const code = res.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(text) as { code?: string }).code : undefined;
        const refused = res.status === 401 || (res.status === 403 && code !== undefined && AUTHORIZATION_CODES.has(code));
        const got: Outcome = refused ? (res.status as 401 | 403) : 'allowed';
        checked++;
        if (got !== want) mismatches.push(`${route.method} ${route.path} as ${caller.name}: expected ${want}, got ${res.status} ${code ?? ''}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBe(routes.length * CALLERS.length);
  });
});
