import type { AuditList, Me, SetupStatus, User } from '@loopmeter/shared';
import { errorResponseSchema } from '@loopmeter/shared';
import { DataSource } from 'typeorm';
import { createUser, sessionCookieOf, signIn, TEST_PASSWORD } from '../support/sign-in';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

describe('users, first-run set-up and password sign-in', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const audit = async (query: string) => (await t.request<AuditList>('GET', `/api/audit?${query}`, { token: TEST_ADMIN_TOKEN })).body.items;

  it('creates the first admin through set-up once, signs them in, and refuses a second set-up', async () => {
    expect((await t.request<SetupStatus>('GET', '/api/setup')).body).toEqual({ needsSetup: true, passwordSignIn: true, sso: false });
    const weak = await t.request('POST', '/api/setup', { body: { email: 'ada@example.com', password: 'short' } });
    expect(weak.status).toBe(400);
    const setup = await t.request<Me>('POST', '/api/setup', { body: { email: 'Ada@Example.com', password: TEST_PASSWORD, displayName: 'Ada' } });
    expect(setup.status).toBe(201);
    expect(setup.body).toMatchObject({ kind: 'user', role: 'admin', teams: 'all', personDetail: 'all', user: { email: 'ada@example.com', displayName: 'Ada' } });
    expect(sessionCookieOf(setup.headers)).toBeDefined();
    expect((await t.request<SetupStatus>('GET', '/api/setup')).body.needsSetup).toBe(false);
    const again = await t.request('POST', '/api/setup', { body: { email: 'eve@example.com', password: TEST_PASSWORD } });
    expect(again.status).toBe(409);
    expect(errorResponseSchema.parse(again.body).code).toBe('setup_done');
    expect((await audit('action=setup.completed'))[0]).toMatchObject({ target: setup.body.user!.id, details: { email: 'ada@example.com', role: 'admin' } });
  });

  it('sets an httpOnly, SameSite=Lax session cookie holding a random id; the database keeps only its hash', async () => {
    const res = await t.request('POST', '/api/auth/login', { body: { email: 'ada@example.com', password: TEST_PASSWORD } });
    expect(res.status).toBe(200);
    const [setCookie] = res.headers.getSetCookie();
    expect(setCookie).toMatch(/^lm_session=lm_[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/);
    const secret = setCookie.split(';')[0].split('=')[1];
    const stored: Array<{ id_hash: Buffer }> = await t.app.get(DataSource).query(`SELECT id_hash FROM user_sessions`);
    expect(stored.length).toBeGreaterThan(0);
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it('answers /api/auth/me for a session, and ends it on logout', async () => {
    const cookie = await signIn(t, 'ada@example.com');
    const me = await t.request<Me>('GET', '/api/auth/me', { headers: { cookie } });
    expect(me.body).toMatchObject({ kind: 'user', via: 'session', role: 'admin' });
    expect(me.body.sessionExpiresAt).not.toBeNull();
    const out = await t.request('POST', '/api/auth/logout', { headers: { cookie } });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie()[0]).toMatch(/^lm_session=; .*Max-Age=0/);
    const after = await t.request('GET', '/api/auth/me', { headers: { cookie } });
    expect(after.status).toBe(401);
    expect(errorResponseSchema.parse(after.body).code).toBe('invalid_session');
    expect((await audit('action=auth.sign_out'))[0]).toMatchObject({ actor: { kind: 'user', label: 'ada@example.com' } });
  });

  it('audits sign-ins and failed sign-ins, with the same answer for a wrong password and an unknown email', async () => {
    await createUser(t, 'ben@example.com', 'member');
    const wrong = await t.request('POST', '/api/auth/login', { body: { email: 'ben@example.com', password: 'not-the-password' } });
    const unknown = await t.request('POST', '/api/auth/login', { body: { email: 'nobody@example.com', password: 'not-the-password' } });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(errorResponseSchema.parse(wrong.body).message).toBe(errorResponseSchema.parse(unknown.body).message);
    await signIn(t, 'ben@example.com');
    const entries = await audit('action=auth.sign_in&limit=3');
    expect(entries.map((e) => [e.outcome, e.target, e.details.reason ?? null])).toEqual([
      ['success', 'ben@example.com', null],
      ['failure', 'nobody@example.com', 'unknown_email'],
      ['failure', 'ben@example.com', 'wrong_password'],
    ]);
  });

  it('throttles sign-in: after 5 failures for an email, 429 with Retry-After even for the right password', async () => {
    await createUser(t, 'cleo@example.com', 'member');
    for (let i = 0; i < 5; i++) {
      expect((await t.request('POST', '/api/auth/login', { body: { email: 'cleo@example.com', password: `guess-${i}` } })).status).toBe(401);
    }
    const blocked = await t.request('POST', '/api/auth/login', { body: { email: 'cleo@example.com', password: TEST_PASSWORD } });
    expect(blocked.status).toBe(429);
    expect(errorResponseSchema.parse(blocked.body).code).toBe('too_many_attempts');
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect((await audit('action=auth.sign_in&outcome=failure&limit=1'))[0]).toMatchObject({ target: 'cleo@example.com', details: { reason: 'throttled' } });
    // Another email from the same address is not blocked by cleo's failures.
    expect((await t.request('POST', '/api/auth/login', { body: { email: 'ben@example.com', password: TEST_PASSWORD } })).status).toBe(200);
  });

  it('changes a password: the current one is needed, other sessions end, the new one works', async () => {
    await createUser(t, 'dev@example.com', 'lead');
    const here = await signIn(t, 'dev@example.com');
    const elsewhere = await signIn(t, 'dev@example.com');
    const wrong = await t.request('POST', '/api/auth/password', { headers: { cookie: here }, body: { currentPassword: 'nope-nope-nope', newPassword: 'a-brand-new-passphrase' } });
    expect(wrong.status).toBe(401);
    const changed = await t.request('POST', '/api/auth/password', { headers: { cookie: here }, body: { currentPassword: TEST_PASSWORD, newPassword: 'a-brand-new-passphrase' } });
    expect(changed.status).toBe(204);
    expect((await t.request('GET', '/api/auth/me', { headers: { cookie: here } })).status).toBe(200);
    expect((await t.request('GET', '/api/auth/me', { headers: { cookie: elsewhere } })).status).toBe(401);
    expect((await t.request('POST', '/api/auth/login', { body: { email: 'dev@example.com', password: TEST_PASSWORD } })).status).toBe(401);
    await signIn(t, 'dev@example.com', 'a-brand-new-passphrase');
    expect((await audit('action=auth.password_changed&outcome=success'))[0]).toMatchObject({ actor: { kind: 'user', label: 'dev@example.com' } });
    // Tokens have no password to change.
    expect((await t.request('POST', '/api/auth/password', { token: TEST_ADMIN_TOKEN, body: { currentPassword: 'x', newPassword: 'a-brand-new-passphrase' } })).status).toBe(403);
  });

  it('lets admins manage users: a role change or disabling ends their sessions at once and is audited; the last admin stays', async () => {
    const erin = await createUser(t, 'erin@example.com', 'member');
    const cookie = await signIn(t, 'erin@example.com');
    const promoted = await t.request<User>('PATCH', `/api/users/${erin.id}`, { token: TEST_ADMIN_TOKEN, body: { role: 'executive' } });
    expect(promoted.body).toMatchObject({ role: 'executive', disabled: false });
    expect((await t.request('GET', '/api/auth/me', { headers: { cookie } })).status).toBe(401);
    expect((await audit('action=user.updated'))[0]).toMatchObject({ target: erin.id, details: { email: 'erin@example.com', changes: { role: { from: 'member', to: 'executive' } } } });
    const again = await signIn(t, 'erin@example.com');
    await t.request('PATCH', `/api/users/${erin.id}`, { token: TEST_ADMIN_TOKEN, body: { disabled: true } });
    expect((await t.request('GET', '/api/auth/me', { headers: { cookie: again } })).status).toBe(401);
    expect((await t.request('POST', '/api/auth/login', { body: { email: 'erin@example.com', password: TEST_PASSWORD } })).status).toBe(401);

    const users = await t.request<{ items: User[] }>('GET', '/api/users', { token: TEST_ADMIN_TOKEN });
    const ada = users.body.items.find((u) => u.email === 'ada@example.com')!;
    const demote = await t.request('PATCH', `/api/users/${ada.id}`, { token: TEST_ADMIN_TOKEN, body: { role: 'member' } });
    expect(demote.status).toBe(409);
    expect(errorResponseSchema.parse(demote.body).code).toBe('last_admin');
    expect((await t.request('POST', '/api/users', { token: TEST_ADMIN_TOKEN, body: { email: 'ERIN@example.com', role: 'member' } })).status).toBe(409);
    expect((await audit('action=user.created&actor=LOOPMETER_ADMIN_TOKEN')).length).toBeGreaterThanOrEqual(4);
  });

  it('never writes passwords or session cookies to the logs', async () => {
    const cookie = await signIn(t, 'ben@example.com');
    await t.request('GET', '/api/auth/me', { headers: { cookie } });
    const logs = t.logs.text();
    expect(logs).not.toContain(TEST_PASSWORD);
    expect(logs).not.toContain('a-brand-new-passphrase');
    expect(logs).not.toContain(cookie.split('=')[1]);
  });
});

describe('unattended set-up and single-sign-on-only mode', () => {
  it('creates the admin of LOOPMETER_ADMIN_EMAIL/PASSWORD at start, once; PASSWORD_SIGN_IN=off refuses passwords', async () => {
    const env = { LOOPMETER_ADMIN_EMAIL: 'root@example.com', LOOPMETER_ADMIN_PASSWORD: TEST_PASSWORD };
    const first = await startTestApp({ env });
    try {
      expect((await first.request<SetupStatus>('GET', '/api/setup')).body.needsSetup).toBe(false);
      const cookie = await signIn(first, 'root@example.com');
      expect((await first.request<Me>('GET', '/api/auth/me', { headers: { cookie } })).body.role).toBe('admin');
      const entries = (await first.request<AuditList>('GET', '/api/audit?action=setup.completed', { token: TEST_ADMIN_TOKEN })).body.items;
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ actor: { kind: 'system' }, details: { via: 'LOOPMETER_ADMIN_EMAIL' } });
    } finally {
      await first.close();
    }
    const ssoOnly = await startTestApp({ env: { ...env, PASSWORD_SIGN_IN: 'off' } });
    try {
      const res = await ssoOnly.request('POST', '/api/auth/login', { body: { email: 'root@example.com', password: TEST_PASSWORD } });
      expect(res.status).toBe(409);
      expect(errorResponseSchema.parse(res.body).code).toBe('password_sign_in_unavailable');
    } finally {
      await ssoOnly.close();
    }
  });
});
