import { beforeEach, describe, expect, it, vi } from 'vitest';
import { stubFetch } from './test/render';

// The client keeps its session in module state: each test gets a fresh copy.
async function client() {
  vi.resetModules();
  return import('./api-client');
}

const me = { kind: 'user', via: 'session', user: { id: '6f1c2a4e-0000-4000-8000-000000000001', email: 'ada@acme.test', displayName: 'Ada' }, token: null, role: 'admin', teams: 'all', personDetail: 'all', sessionExpiresAt: null };

describe('api-client: how the app signs in', () => {
  beforeEach(() => window.sessionStorage.clear());

  it('a server without cookie sessions (GET /api/auth/me 404): the token form', async () => {
    stubFetch((url) => (url === '/api/auth/me' ? { status: 404, body: { code: 'route_not_found', message: 'No route', requestId: 'r' } } : { status: 500 }));
    const api = await client();
    await api.detectSession();
    expect(api.getSession()).toMatchObject({ status: 'signed-out', method: 'token', cookieAuth: false });
  });

  it('a server with cookie sessions: signed in when /api/auth/me answers 200', async () => {
    stubFetch((url) => (url === '/api/auth/me' ? { status: 200, body: me } : { status: 500 }));
    const api = await client();
    await api.detectSession();
    expect(api.getSession()).toMatchObject({ status: 'signed-in', via: 'cookie', me: { user: { email: 'ada@acme.test' } } });
  });

  it('a server with cookie sessions and no admin yet: the first-run set-up', async () => {
    stubFetch((url) => (url === '/api/auth/me' ? { status: 401, body: { code: 'missing_token', message: 'Sign in', requestId: 'r' } } : { status: 200, body: { needsSetup: true, passwordSignIn: true, sso: false } }));
    const api = await client();
    await api.detectSession();
    expect(api.getSession()).toMatchObject({ status: 'signed-out', method: 'setup', cookieAuth: true });
  });

  it('a token: checked before it is kept, then sent as a bearer token on every request', async () => {
    const fetchMock = stubFetch((url, init) => {
      const auth = new Headers(init?.headers).get('authorization');
      if (url === '/api/teams') return auth === 'Bearer good-token' ? { status: 200, body: { items: [] } } : { status: 401, body: { code: 'invalid_token', message: 'no', requestId: 'r' } };
      if (url === '/api/auth/me') return { status: 404 };
      return { status: 200, body: { ok: true } };
    });
    const api = await client();
    await expect(api.signInWithToken('bad-token')).rejects.toThrow('This token is not valid');
    expect(api.getSession().status).toBe('checking');
    await api.signInWithToken(' good-token ');
    expect(api.getSession()).toMatchObject({ status: 'signed-in', via: 'token', tokenPrefix: 'good-tok' });
    expect(window.sessionStorage.getItem('loopmeter.apiToken')).toBe('good-token');
    await api.getJson('/api/anything', (d) => d);
    const last = fetchMock.mock.calls.find((call) => call[0] === '/api/anything');
    expect(new Headers(last?.[1]?.headers).get('authorization')).toBe('Bearer good-token');
  });

  it('a 401 while signed in ends the session with a reason, and forgets the token', async () => {
    window.sessionStorage.setItem('loopmeter.apiToken', 'revoked-token');
    stubFetch((url) => (url === '/api/setup' || url === '/api/auth/me' ? { status: 404 } : { status: 401, body: { code: 'invalid_token', message: 'revoked', requestId: 'r' } }));
    const api = await client();
    await api.detectSession();
    expect(api.getSession()).toMatchObject({ status: 'signed-in', via: 'token' });
    await expect(api.getJson('/api/metrics/dora', (d) => d)).rejects.toMatchObject({ status: 401 });
    expect(api.getSession()).toMatchObject({ status: 'signed-out', method: 'token', notice: expect.stringContaining('token was not accepted') });
    expect(window.sessionStorage.getItem('loopmeter.apiToken')).toBeNull();
  });

  it('errors carry the API error shape', async () => {
    window.sessionStorage.setItem('loopmeter.apiToken', 't');
    stubFetch(() => ({ status: 400, body: { code: 'invalid_period', message: 'from must be before to.', requestId: 'req-9' } }));
    const api = await client();
    await api.detectSession();
    const error = await api.getJson('/api/metrics/dora', (d) => d).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(api.ApiError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_period', message: 'from must be before to.' });
  });
});
