import { generateKeyPairSync } from 'node:crypto';
import type { AuditEntry, AuditList, Me } from '@loopmeter/shared';
import { freePort } from '../support/oidc/local-oidc-provider';
import { signIdToken, startForgingProvider, unsignedIdToken, type ForgingProvider, type IdTokenMaker } from '../support/oidc/forging-provider';
import { createUser, sessionCookieOf } from '../support/sign-in';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

/**
 * Single sign-on against a hostile provider of the test's own: the ID token is forged or tampered with in each
 * way a client must notice. Every one is refused (no session; the browser lands on the sign-in page with a
 * reason) and audited as a failed sign-in. A well-formed token through the same provider is accepted, so each
 * refusal is the client's doing.
 */
describe('single sign-on refuses forged and tampered ID tokens', () => {
  let provider: ForgingProvider;
  let t: TestApp;

  beforeAll(async () => {
    provider = await startForgingProvider();
    const port = await freePort();
    t = await startTestApp({
      env: {
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        OIDC_ISSUER_URL: provider.issuer,
        OIDC_CLIENT_ID: provider.clientId,
        OIDC_CLIENT_SECRET: provider.clientSecret,
      },
    });
    await createUser(t, 'eve@example.com', 'member', null);
  });
  afterAll(async () => {
    await t?.close();
    await provider?.stop();
  });

  /** A browser starting a sign-in: its flow cookie and where the provider sends it back (code, state). */
  async function startFlow(): Promise<{ cookie: string; callback: URL; authorize: URL }> {
    const start = await fetch(`${t.url}/api/auth/oidc/start`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const cookie = sessionCookieOf(start.headers, 'lm_sso')!;
    expect(cookie).toBeDefined();
    const authorize = new URL(start.headers.get('location')!);
    const back = await fetch(authorize, { redirect: 'manual' });
    return { cookie, authorize, callback: new URL(back.headers.get('location')!) };
  }

  async function finish(callback: URL, cookie: string): Promise<Response> {
    return fetch(callback, { redirect: 'manual', headers: { cookie } });
  }

  async function lastFailedSignIn(): Promise<AuditEntry> {
    const res = await t.request<AuditList>('GET', '/api/audit?action=auth.sign_in&outcome=failure&limit=1', { token: TEST_ADMIN_TOKEN });
    return res.body.items[0];
  }

  /** Signs in with the ID token `make` returns; expects a refusal, audited with `reason` and a detail matching `detail`. */
  async function expectRefused(make: IdTokenMaker, detail: RegExp): Promise<void> {
    provider.idToken = make;
    const before = await lastFailedSignIn();
    const { cookie, callback } = await startFlow();
    const landed = await finish(callback, cookie);
    expect(landed.status).toBe(302);
    expect(landed.headers.get('location')).toBe('/login?error=sso_invalid_response');
    expect(sessionCookieOf(landed.headers)).toBeUndefined();
    const audited = await lastFailedSignIn();
    expect(audited.id).not.toBe(before?.id);
    expect(audited).toMatchObject({ action: 'auth.sign_in', outcome: 'failure', actor: { kind: 'anonymous' }, details: { method: 'oidc', reason: 'id_token', error: 'sso_invalid_response' } });
    expect(String(audited.details.detail)).toMatch(detail);
  }

  afterEach(() => {
    provider.idToken = (ctx) => signIdToken(ctx, { nonce: ctx.nonce });
  });

  it('accepts a well-formed ID token from this provider (the control), after a token request with the PKCE verifier and client secret', async () => {
    const { cookie, callback, authorize } = await startFlow();
    const landed = await finish(callback, cookie);
    expect(landed.status).toBe(302);
    expect(landed.headers.get('location')).toBe('/');
    const session = sessionCookieOf(landed.headers)!;
    const me = await t.request<Me>('GET', '/api/auth/me', { headers: { cookie: session } });
    expect(me.body).toMatchObject({ role: 'member', user: { email: 'eve@example.com' } });
    const seen = provider.tokenRequests.at(-1)!;
    expect(seen.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(seen.challenge).toBe(authorize.searchParams.get('code_challenge'));
    expect(seen.redirectUri).toBe(`${t.url}/api/auth/oidc/callback`);
  });

  it('refuses an ID token signed with a key the provider does not publish', async () => {
    const { privateKey: attackerKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expectRefused((ctx) => signIdToken(ctx, { nonce: ctx.nonce }, { key: attackerKey }), /signature/i);
  });

  it('refuses an ID token whose signature was kept but whose claims were changed', async () => {
    await expectRefused(async (ctx) => {
      const [header, payload, signature] = (await signIdToken(ctx, { nonce: ctx.nonce, email: 'someone@example.com' })).split('.');
      const claims = { ...(JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>), email: 'eve@example.com' };
      return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    }, /signature/i);
  });

  it('refuses an unsigned ID token (alg none) and one signed with the client secret (HS256)', async () => {
    await expectRefused((ctx) => Promise.resolve(unsignedIdToken(ctx)), /alg|Invalid Compact JWS|not allowed/i);
    await expectRefused((ctx) => signIdToken(ctx, { nonce: ctx.nonce }, { alg: 'HS256', key: new TextEncoder().encode(ctx.clientSecret) }), /alg|not allowed/i);
  });

  it('refuses an ID token from another issuer', async () => {
    await expectRefused((ctx) => signIdToken(ctx, { nonce: ctx.nonce }, { issuer: 'https://evil.example.com' }), /"iss"/);
  });

  it('refuses an ID token issued to another client (audience, or azp among several audiences)', async () => {
    await expectRefused((ctx) => signIdToken(ctx, { nonce: ctx.nonce }, { audience: 'another-client' }), /"aud"/);
    await expectRefused((ctx) => signIdToken(ctx, { nonce: ctx.nonce, azp: 'another-client' }, { audience: [ctx.clientId, 'another-client'] }), /azp/);
    await expectRefused((ctx) => signIdToken(ctx, { nonce: ctx.nonce, azp: 'another-client' }), /azp/);
  });

  it('refuses an expired ID token', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused((ctx) => signIdToken(ctx, { nonce: ctx.nonce }, { issuedAt: now - 7200, expiresAt: now - 3600 }), /"exp"/);
  });

  it('refuses an ID token of another sign-in (nonce mismatch) or without a nonce', async () => {
    await expectRefused((ctx) => signIdToken(ctx, { nonce: 'a-nonce-of-another-sign-in' }), /nonce/);
    await expectRefused((ctx) => signIdToken(ctx, {}), /nonce/);
  });

  it('refuses an answer whose state is not this sign-in’s, before asking the provider for any token', async () => {
    const { cookie, callback } = await startFlow();
    const asked = provider.tokenRequests.length;
    callback.searchParams.set('state', 'a-state-of-another-sign-in');
    const landed = await finish(callback, cookie);
    expect(landed.status).toBe(302);
    expect(landed.headers.get('location')).toBe('/login?error=sso_invalid_response');
    expect(sessionCookieOf(landed.headers)).toBeUndefined();
    expect(provider.tokenRequests.length).toBe(asked);
    expect(await lastFailedSignIn()).toMatchObject({ details: { method: 'oidc', reason: 'state_mismatch' } });
  });

  it('refuses an injected authorization code: another flow’s PKCE verifier does not match its challenge (the provider refuses the exchange)', async () => {
    // The attacker's code (from flow A) is delivered to the victim's callback with the victim's own state (flow B).
    const a = await startFlow();
    const b = await startFlow();
    const injected = new URL(b.callback);
    injected.searchParams.set('code', a.callback.searchParams.get('code')!);
    const landed = await finish(injected, b.cookie);
    expect(landed.headers.get('location')).toBe('/login?error=sso_invalid_response');
    expect(sessionCookieOf(landed.headers)).toBeUndefined();
    const seen = provider.tokenRequests.at(-1)!;
    expect(seen.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(seen.challenge).toBe(a.authorize.searchParams.get('code_challenge'));
    expect(await lastFailedSignIn()).toMatchObject({ details: { method: 'oidc', reason: 'token', detail: expect.stringMatching(/400/) } });
  });

  it('refuses a callback claiming another issuer (RFC 9207 iss parameter)', async () => {
    const { cookie, callback } = await startFlow();
    callback.searchParams.set('iss', 'https://evil.example.com');
    const landed = await finish(callback, cookie);
    expect(landed.headers.get('location')).toBe('/login?error=sso_invalid_response');
    expect(await lastFailedSignIn()).toMatchObject({ details: { reason: 'issuer_mismatch' } });
  });
});
