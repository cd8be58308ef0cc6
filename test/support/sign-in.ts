import type { User, UserRole } from '@loopmeter/shared';
import { TEST_ADMIN_TOKEN, type TestApp } from './test-app';

export const TEST_PASSWORD = 'correct-horse-battery-staple';

/** The session cookie (`name=value`) from a response's Set-Cookie headers. */
export function sessionCookieOf(headers: Headers, name = 'lm_session'): string | undefined {
  for (const cookie of headers.getSetCookie()) {
    const [pair] = cookie.split(';');
    if (pair.startsWith(`${name}=`) && pair.length > name.length + 1) return pair;
  }
  return undefined;
}

/** Creates a user through the API (as the env admin); `password: null` for single sign-on only. */
export async function createUser(t: TestApp, email: string, role: UserRole, password: string | null = TEST_PASSWORD): Promise<User> {
  const res = await t.request<User>('POST', '/api/users', { token: TEST_ADMIN_TOKEN, body: { email, role, ...(password ? { password } : {}) } });
  if (res.status !== 201) throw new Error(`creating ${email}: ${res.status} ${res.text}`);
  return res.body;
}

/** Signs in with a password; returns the cookie header to send with later requests. */
export async function signIn(t: TestApp, email: string, password = TEST_PASSWORD): Promise<string> {
  const res = await t.request('POST', '/api/auth/login', { body: { email, password } });
  const cookie = sessionCookieOf(res.headers);
  if (res.status !== 200 || !cookie) throw new Error(`signing in ${email}: ${res.status} ${res.text}`);
  return cookie;
}

/** A user of this role, signed in. */
export async function signedInUser(t: TestApp, email: string, role: UserRole): Promise<{ user: User; cookie: string }> {
  const user = await createUser(t, email, role);
  return { user, cookie: await signIn(t, email) };
}
