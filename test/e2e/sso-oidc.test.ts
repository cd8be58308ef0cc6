import type { AuditList, Me, User } from '@loopmeter/shared';
import { freePort, startLocalOidcProvider, type LocalOidcProvider } from '../support/oidc/local-oidc-provider';
import { createUser, sessionCookieOf } from '../support/sign-in';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

/** A tiny browser: one cookie jar per origin, redirects followed by hand, the provider's login form filled in. */
class Browser {
  private readonly jars = new Map<string, Map<string, string>>();

  async get(url: string): Promise<Response> {
    return this.send(url, { method: 'GET' });
  }

  /** Follows redirects from `url`, signing in at the provider as `email`, until the answer comes from `stopAt`. */
  async signInThroughProvider(startUrl: string, email: string, stopAt: string, options: { stopBefore?: boolean } = {}): Promise<Response> {
    let response = await this.get(startUrl);
    for (let hop = 0; hop < 20; hop++) {
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, response.url).toString();
        // `stopBefore`: the answer that redirects to `stopAt`, without going there (to take its code).
        if (options.stopBefore && next.startsWith(stopAt)) return response;
        response = await this.get(next);
        if (next.startsWith(stopAt)) return response;
        continue;
      }
      const form = /<form method="post" action="([^"]+)"/.exec(await response.text());
      if (!form) throw new Error(`stuck at ${response.url} (${response.status})`);
      response = await this.send(new URL(form[1], response.url).toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email }).toString(),
      });
    }
    throw new Error('too many redirects');
  }

  cookie(origin: string, name: string): string | undefined {
    const value = this.jars.get(origin)?.get(name);
    return value === undefined ? undefined : `${name}=${value}`;
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    const origin = new URL(url).origin;
    const jar = this.jars.get(origin) ?? new Map<string, string>();
    this.jars.set(origin, jar);
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    for (const set of response.headers.getSetCookie()) {
      const [pair, ...attributes] = set.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || attributes.some((a) => /max-age=0$/i.test(a.trim()))) jar.delete(name);
      else jar.set(name, value);
    }
    Object.defineProperty(response, 'url', { value: url });
    return response;
  }
}

describe('single sign-on with OpenID Connect, against a local provider', () => {
  let provider: LocalOidcProvider;
  let t: TestApp;
  let auto: TestApp;
  let ssoUser: User;

  beforeAll(async () => {
    const [port, autoPort] = [await freePort(), await freePort()];
    const callback = (p: number) => `http://127.0.0.1:${p}/api/auth/oidc/callback`;
    provider = await startLocalOidcProvider({ redirectUris: [callback(port), callback(autoPort)] });
    const sso = (p: number, autoCreate: 'on' | 'off') => ({
      PORT: String(p),
      PUBLIC_URL: `http://127.0.0.1:${p}`,
      OIDC_ISSUER_URL: provider.issuer,
      OIDC_CLIENT_ID: provider.clientId,
      OIDC_CLIENT_SECRET: provider.clientSecret,
      OIDC_AUTO_CREATE_USERS: autoCreate,
    });
    t = await startTestApp({ env: sso(port, 'off') });
    auto = await startTestApp({ env: sso(autoPort, 'on') });
    ssoUser = await createUser(t, 'dana@example.com', 'lead', null);
  });
  afterAll(async () => {
    await t?.close();
    await auto?.close();
    await provider?.stop();
  });

  it('signs a known user in: code flow with PKCE, ID token checked against the JWKS, session cookie set, back to where they started', async () => {
    const status = await t.request<{ sso: boolean }>('GET', '/api/setup');
    expect(status.body.sso).toBe(true);

    const browser = new Browser();
    const start = await browser.get(`${t.url}/api/auth/oidc/start?returnTo=/teams/payments`);
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin).toBe(provider.issuer);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: provider.clientId,
      redirect_uri: `${t.url}/api/auth/oidc/callback`,
      code_challenge_method: 'S256',
      scope: 'openid email profile',
    });
    for (const p of ['state', 'nonce', 'code_challenge']) expect(authorize.searchParams.get(p)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(start.headers.get('set-cookie')).toMatch(/^lm_sso=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600/);

    const landed = await browser.signInThroughProvider(authorize.toString(), 'Dana@Example.com', `${t.url}/api/auth/oidc/callback`);
    expect({ status: landed.status, body: landed.status === 302 ? '' : await landed.text() }).toEqual({ status: 302, body: '' });
    expect(landed.headers.get('location')).toBe('/teams/payments');
    const cookie = sessionCookieOf(landed.headers);
    expect(cookie).toBeDefined();

    const me = await t.request<Me>('GET', '/api/auth/me', { headers: { cookie: cookie! } });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ kind: 'user', via: 'session', role: 'lead', user: { id: ssoUser.id, email: 'dana@example.com' } });

    const users = await t.request<{ items: User[] }>('GET', '/api/users', { token: TEST_ADMIN_TOKEN });
    expect(users.body.items.find((u) => u.id === ssoUser.id)).toMatchObject({ ssoLinked: true, passwordSignIn: false });
    const audit = await t.request<AuditList>('GET', '/api/audit?action=auth.sign_in&actor=dana@example.com', { token: TEST_ADMIN_TOKEN });
    expect(audit.body.items[0]).toMatchObject({ outcome: 'success', details: { method: 'oidc' }, actor: { kind: 'user', id: ssoUser.id } });
  });

  it('refuses a callback with a wrong state, and a callback replayed after use', async () => {
    const browser = new Browser();
    const start = await browser.get(`${t.url}/api/auth/oidc/start`);
    const flowCookie = browser.cookie(t.url, 'lm_sso')!;
    const forged = await fetch(`${t.url}/api/auth/oidc/callback?code=abc&state=not-the-state`, { redirect: 'manual', headers: { cookie: flowCookie } });
    expect(forged.status).toBe(302);
    expect(forged.headers.get('location')).toBe('/login?error=sso_invalid_response');
    // The flow was consumed by the failed attempt: it cannot be finished now, even with the right answer.
    const landed = await browser.signInThroughProvider(start.headers.get('location')!, 'dana@example.com', `${t.url}/api/auth/oidc/callback`);
    expect(landed.status).toBe(302);
    expect(landed.headers.get('location')).toBe('/login?error=sso_expired');
    expect(sessionCookieOf(landed.headers)).toBeUndefined();
    const noCookie = await fetch(`${t.url}/api/auth/oidc/callback?code=abc&state=x`, { redirect: 'manual' });
    expect(noCookie.headers.get('location')).toBe('/login?error=sso_expired');
  });

  it('refuses an injected authorization code: the provider checks it against this flow’s PKCE verifier', async () => {
    // The attacker signs in as themself and, instead of using their code, plants it in the victim's browser.
    const attacker = new Browser();
    const attackerCallback = await attacker.signInThroughProvider(`${t.url}/api/auth/oidc/start`, 'dana@example.com', `${t.url}/api/auth/oidc/callback`, { stopBefore: true });
    const code = new URL(attackerCallback.headers.get('location')!).searchParams.get('code')!;
    expect(code).toBeTruthy();
    const victim = new Browser();
    const start = await victim.get(`${t.url}/api/auth/oidc/start`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const injected = await victim.get(`${t.url}/api/auth/oidc/callback?${new URLSearchParams({ code, state, iss: provider.issuer }).toString()}`);
    expect(injected.status).toBe(302);
    expect(injected.headers.get('location')).toBe('/login?error=sso_invalid_response');
    expect(sessionCookieOf(injected.headers)).toBeUndefined();
    const audit = await t.request<AuditList>('GET', '/api/audit?action=auth.sign_in&outcome=failure&limit=1', { token: TEST_ADMIN_TOKEN });
    expect(audit.body.items[0]).toMatchObject({ details: { method: 'oidc', reason: 'token' } });
  });

  it('sends the browser back to the sign-in page with a reason when the provider answers with an error, and audits it', async () => {
    const browser = new Browser();
    const start = await browser.get(`${t.url}/api/auth/oidc/start`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const cancelled = await browser.get(`${t.url}/api/auth/oidc/callback?error=access_denied&error_description=The+user+cancelled&state=${state}`);
    expect(cancelled.status).toBe(302);
    expect(cancelled.headers.get('location')).toBe('/login?error=sso_cancelled');
    const audit = await t.request<AuditList>('GET', '/api/audit?action=auth.sign_in&outcome=failure&limit=1', { token: TEST_ADMIN_TOKEN });
    expect(audit.body.items[0]).toMatchObject({ details: { method: 'oidc', reason: 'provider_error', error: 'sso_cancelled', detail: expect.stringContaining('access_denied') } });

    const other = new Browser();
    const otherStart = await other.get(`${t.url}/api/auth/oidc/start`);
    const otherState = new URL(otherStart.headers.get('location')!).searchParams.get('state')!;
    const failed = await other.get(`${t.url}/api/auth/oidc/callback?error=temporarily_unavailable&state=${otherState}`);
    expect(failed.headers.get('location')).toBe('/login?error=sso_provider_error');
    // The place it sends the browser to is the web app's sign-in page, not an API error.
    const page = await other.get(`${t.url}${failed.headers.get('location')!}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('refuses a person with no account when auto-creation is off (403, audited), and creates them as a member when it is on', async () => {
    const browser = new Browser();
    const refused = await browser.signInThroughProvider(`${t.url}/api/auth/oidc/start`, 'stranger@example.com', `${t.url}/api/auth/oidc/callback`);
    expect(refused.status).toBe(302);
    expect(refused.headers.get('location')).toBe('/login?error=sso_user_unknown');
    expect(sessionCookieOf(refused.headers)).toBeUndefined();
    const audit = await t.request<AuditList>('GET', '/api/audit?action=auth.sign_in&outcome=failure', { token: TEST_ADMIN_TOKEN });
    expect(audit.body.items[0]).toMatchObject({ target: 'stranger@example.com', details: { method: 'oidc', reason: 'not_provisioned', error: 'sso_user_unknown' } });

    // A disabled account is told so, not asked to be created.
    const gone = await createUser(t, 'gone@example.com', 'member', null);
    expect((await t.request('PATCH', `/api/users/${gone.id}`, { token: TEST_ADMIN_TOKEN, body: { disabled: true } })).status).toBe(200);
    const disabled = await new Browser().signInThroughProvider(`${t.url}/api/auth/oidc/start`, 'gone@example.com', `${t.url}/api/auth/oidc/callback`);
    expect(disabled.headers.get('location')).toBe('/login?error=sso_user_disabled');
    expect(sessionCookieOf(disabled.headers)).toBeUndefined();

    const other = new Browser();
    const created = await other.signInThroughProvider(`${auto.url}/api/auth/oidc/start`, 'newcomer@example.com', `${auto.url}/api/auth/oidc/callback`);
    expect(created.status).toBe(302);
    const me = await auto.request<Me>('GET', '/api/auth/me', { headers: { cookie: sessionCookieOf(created.headers)! } });
    expect(me.body).toMatchObject({ role: 'member', user: { email: 'newcomer@example.com', displayName: 'Test newcomer' } });
  });

  it('never logs the authorization code, the state or the session cookie', async () => {
    const browser = new Browser();
    const landed = await browser.signInThroughProvider(`${t.url}/api/auth/oidc/start`, 'dana@example.com', `${t.url}/api/auth/oidc/callback`);
    const cookie = sessionCookieOf(landed.headers)!;
    await t.request('GET', '/api/auth/me', { headers: { cookie } });
    const logs = t.logs.text();
    expect(logs).toContain('/api/auth/oidc/callback?code=[redacted]');
    expect(logs).not.toContain(cookie.split('=')[1]);
  });

  it('sends the browser to the sign-in page with sso_not_configured when no provider is set up', async () => {
    const plain = await startTestApp();
    try {
      const res = await fetch(`${plain.url}/api/auth/oidc/start`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/login?error=sso_not_configured');
      const callback = await fetch(`${plain.url}/api/auth/oidc/callback?code=x&state=y`, { redirect: 'manual' });
      expect(callback.headers.get('location')).toBe('/login?error=sso_not_configured');
    } finally {
      await plain.close();
    }
  });
});
