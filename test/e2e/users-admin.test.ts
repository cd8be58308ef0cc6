import type { AuditEntry, AuditList, Me, User, UserList } from '@loopmeter/shared';
import { errorResponseSchema, userListSchema, userSchema } from '@loopmeter/shared';
import { createUser, signedInUser, signIn, TEST_PASSWORD } from '../support/sign-in';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app';

/**
 * Admins see each user's teams file memberships and what the user sees with their role, and set another user's
 * name or password.
 *
 * Teams file: payments (lena lead, max member), checkout (lena member, max member, ella lead).
 * Users: ada (admin), ella (executive), lena (lead, own team search), max (member), nora (member, in no team).
 */
describe('users: teams file memberships, and admins setting a name or a password', () => {
  let t: TestApp;
  let adminCookie: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp();
    const yaml = `teams:
  - key: payments
    members:
      - { email: Lena@Example.com, role: lead }
      - { email: max@example.com }
  - key: checkout
    members:
      - { email: lena@example.com }
      - { email: max@example.com }
      - { email: ella@example.com, role: lead }
`;
    expect((await t.request('POST', '/api/teams/import', { token: TEST_ADMIN_TOKEN, body: { yaml } })).status).toBe(200);
    const ada = await signedInUser(t, 'ada@example.com', 'admin');
    adminCookie = ada.cookie;
    ids.ada = ada.user.id;
    for (const [name, role] of [['ella', 'executive'], ['lena', 'lead'], ['max', 'member'], ['nora', 'member']] as const) {
      ids[name] = (await createUser(t, `${name}@example.com`, role)).id;
    }
    expect((await t.request('PATCH', `/api/users/${ids.lena}`, { token: TEST_ADMIN_TOKEN, body: { team: 'search' } })).status).toBe(200);
  });
  afterAll(() => t.close());

  const asAdmin = (body?: unknown) => ({ headers: { cookie: adminCookie }, ...(body === undefined ? {} : { body }) });
  const audit = async (query: string): Promise<AuditEntry[]> => (await t.request<AuditList>('GET', `/api/audit?${query}`, { token: TEST_ADMIN_TOKEN })).body.items;
  const login = async (email: string, password: string) => (await t.request('POST', '/api/auth/login', { body: { email, password } })).status;

  it("lists each user's teams file memberships (by email) and the teams their role lets them see", async () => {
    const res = await t.request<UserList>('GET', '/api/users', asAdmin());
    expect(res.status).toBe(200);
    const users = userListSchema.parse(res.body).items;
    expect(users.map((u) => ({ email: u.email, role: u.role, team: u.team, memberships: u.memberships, access: u.access }))).toEqual([
      { email: 'ada@example.com', role: 'admin', team: null, memberships: [], access: { teams: 'all', personDetail: 'all' } },
      { email: 'ella@example.com', role: 'executive', team: null, memberships: [{ team: 'checkout', role: 'lead' }], access: { teams: 'all', personDetail: [] } },
      {
        email: 'lena@example.com',
        role: 'lead',
        team: 'search',
        memberships: [
          { team: 'checkout', role: 'member' },
          { team: 'payments', role: 'lead' },
        ],
        // Her own team counts, and a lead leads it.
        access: { teams: ['checkout', 'payments', 'search'], personDetail: ['payments', 'search'] },
      },
      {
        email: 'max@example.com',
        role: 'member',
        team: null,
        memberships: [
          { team: 'checkout', role: 'member' },
          { team: 'payments', role: 'member' },
        ],
        access: { teams: ['checkout', 'payments'], personDetail: [] },
      },
      { email: 'nora@example.com', role: 'member', team: null, memberships: [], access: { teams: [], personDetail: [] } },
    ]);
  });

  it('lists the same access as the user gets when they sign in', async () => {
    const users = (await t.request<UserList>('GET', '/api/users', asAdmin())).body.items;
    for (const email of ['ella@example.com', 'lena@example.com', 'max@example.com', 'nora@example.com']) {
      const cookie = await signIn(t, email);
      const me = (await t.request<Me>('GET', '/api/auth/me', { headers: { cookie } })).body;
      expect({ email, teams: me.teams, personDetail: me.personDetail }).toEqual({ email, ...users.find((u) => u.email === email)!.access });
      await t.request('POST', '/api/auth/logout', { headers: { cookie } });
    }
  });

  it('answers a created or changed user with their memberships too', async () => {
    await t.request('POST', '/api/teams/import', {
      token: TEST_ADMIN_TOKEN,
      body: { yaml: 'teams:\n  - key: payments\n    members:\n      - { email: lena@example.com, role: lead }\n      - { email: max@example.com }\n      - { email: omar@example.com }\n  - key: checkout\n    members:\n      - { email: lena@example.com }\n      - { email: max@example.com }\n      - { email: ella@example.com, role: lead }\n' },
    });
    const omar = await createUser(t, 'omar@example.com', 'member');
    expect(userSchema.parse(omar)).toMatchObject({ memberships: [{ team: 'payments', role: 'member' }], access: { teams: ['payments'], personDetail: [] } });
    const promoted = await t.request<User>('PATCH', `/api/users/${omar.id}`, asAdmin({ role: 'executive' }));
    expect(promoted.body).toMatchObject({ role: 'executive', memberships: [{ team: 'payments', role: 'member' }], access: { teams: 'all', personDetail: [] } });
  });

  it("lets an admin set another user's name and password: the new password signs in, the old one and their sessions end", async () => {
    const here = await signIn(t, 'max@example.com');
    const elsewhere = await signIn(t, 'max@example.com');
    const res = await t.request<User>('PATCH', `/api/users/${ids.max}`, asAdmin({ displayName: 'Max Mustermann', password: 'set-by-the-admin-2026' }));
    expect(res.status).toBe(200);
    expect(userSchema.parse(res.body)).toMatchObject({ id: ids.max, displayName: 'Max Mustermann', passwordSignIn: true, memberships: [{ team: 'checkout' }, { team: 'payments' }] });
    for (const cookie of [here, elsewhere]) expect((await t.request('GET', '/api/auth/me', { headers: { cookie } })).status).toBe(401);
    expect(await login('max@example.com', TEST_PASSWORD)).toBe(401);
    const cookie = await signIn(t, 'max@example.com', 'set-by-the-admin-2026');
    expect((await t.request<Me>('GET', '/api/auth/me', { headers: { cookie } })).body.user).toMatchObject({ email: 'max@example.com', displayName: 'Max Mustermann' });

    // Audited as a user change by the admin, with what changed and how many sessions ended; never the password.
    const [entry] = await audit('action=user.updated&limit=1');
    expect(entry).toMatchObject({
      actor: { kind: 'user', label: 'ada@example.com' },
      outcome: 'success',
      target: ids.max,
      details: { email: 'max@example.com', changes: { displayName: { from: null, to: 'Max Mustermann' }, password: 'changed' }, sessionsEnded: 2 },
    });
    expect(JSON.stringify(entry)).not.toContain('set-by-the-admin-2026');
    expect(t.logs.text()).not.toContain('set-by-the-admin-2026');
  });

  it("changes only the name without ending the user's sessions, and removes a name with null", async () => {
    const cookie = await signIn(t, 'nora@example.com');
    const named = await t.request<User>('PATCH', `/api/users/${ids.nora}`, asAdmin({ displayName: '  Nora North ' }));
    expect(named.body).toMatchObject({ displayName: 'Nora North' });
    expect((await t.request('GET', '/api/auth/me', { headers: { cookie } })).status).toBe(200);
    const [entry] = await audit('action=user.updated&limit=1');
    expect(entry.details).toEqual({ email: 'nora@example.com', changes: { displayName: { from: null, to: 'Nora North' } } });
    const cleared = await t.request<User>('PATCH', `/api/users/${ids.nora}`, asAdmin({ displayName: null }));
    expect(cleared.body).toMatchObject({ displayName: null });
    expect((await audit('action=user.updated&limit=1'))[0].details.changes).toEqual({ displayName: { from: 'Nora North', to: null } });
  });

  it('keeps the calling session when an admin sets their own password this way; their other sessions end', async () => {
    const other = await signIn(t, 'ada@example.com');
    const res = await t.request<User>('PATCH', `/api/users/${ids.ada}`, asAdmin({ password: 'the-admins-own-new-one' }));
    expect(res.status).toBe(200);
    expect((await t.request('GET', '/api/auth/me', { headers: { cookie: adminCookie } })).status).toBe(200);
    expect((await t.request('GET', '/api/auth/me', { headers: { cookie: other } })).status).toBe(401);
    expect(await login('ada@example.com', 'the-admins-own-new-one')).toBe(200);
    expect((await audit('action=user.updated&limit=1'))[0].details).toMatchObject({ changes: { password: 'changed' }, sessionsEnded: 1 });
  });

  it('refuses a bad password or name with 400 validation_failed and says why; nothing changes', async () => {
    const cases: Array<[unknown, string]> = [
      [{ password: 'too-short' }, 'password: password must be at least 12 characters'],
      [{ password: 'é'.repeat(40) }, 'password: password must be at most 72 bytes'],
      [{ displayName: '   ' }, 'displayName'],
      [{ displayName: 'x'.repeat(201) }, 'displayName'],
      [{}, 'give at least one of'],
      [{ passwordHash: 'x' }, 'passwordHash'],
    ];
    for (const [body, says] of cases) {
      const res = await t.request('PATCH', `/api/users/${ids.lena}`, asAdmin(body));
      const error = errorResponseSchema.parse(res.body);
      expect({ body, status: res.status, code: error.code }).toEqual({ body, status: 400, code: 'validation_failed' });
      expect(error.message).toContain(says);
    }
    expect(await login('lena@example.com', TEST_PASSWORD)).toBe(200);
    expect((await t.request<UserList>('GET', '/api/users', asAdmin())).body.items.find((u) => u.id === ids.lena)).toMatchObject({ displayName: null });
  });

  it('refuses members, leads, executives and non-admin tokens with 403, audited like other refused attempts; nothing changes', async () => {
    const read = (await t.request<{ token: string }>('POST', '/api/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'users read', scope: 'read' } })).body.token;
    const callers: Array<[string, Record<string, string>, string]> = [
      ['max@example.com', { cookie: await signIn(t, 'max@example.com', 'set-by-the-admin-2026') }, 'insufficient_role'],
      ['lena@example.com', { cookie: await signIn(t, 'lena@example.com') }, 'insufficient_role'],
      ['ella@example.com', { cookie: await signIn(t, 'ella@example.com') }, 'insufficient_role'],
      ['users read', { authorization: `Bearer ${read}` }, 'insufficient_scope'],
    ];
    for (const [, headers, code] of callers) {
      const res = await t.request('PATCH', `/api/users/${ids.nora}`, { headers, body: { displayName: 'Hijacked', password: 'a-hijacking-password' } });
      expect({ status: res.status, code: errorResponseSchema.parse(res.body).code }).toEqual({ status: 403, code });
      const create = await t.request('POST', '/api/users', { headers, body: { email: 'mallory@example.com', role: 'admin', password: 'a-hijacking-password' } });
      expect({ status: create.status, code: errorResponseSchema.parse(create.body).code }).toEqual({ status: 403, code });
    }
    const denied = await audit('action=user.&outcome=denied');
    expect(denied.map((e) => [e.action, e.actor.label, e.target, e.details.reason]).reverse()).toEqual(
      callers.flatMap(([who, , code]) => [
        ['user.updated', who, 'PATCH /api/users/:id', code],
        ['user.created', who, 'POST /api/users', code],
      ]),
    );
    expect(JSON.stringify(denied)).not.toContain('a-hijacking-password');
    expect(await login('nora@example.com', 'a-hijacking-password')).toBe(401);
    const users = (await t.request<UserList>('GET', '/api/users', asAdmin())).body.items;
    expect(users.find((u) => u.id === ids.nora)?.displayName).toBeNull();
    expect(users.map((u) => u.email)).not.toContain('mallory@example.com');
  });
});
