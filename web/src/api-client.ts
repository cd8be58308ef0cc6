import { meSchema, setupStatusSchema, type Me } from '@loopmeter/shared/auth';
import { errorResponseSchema, type ErrorResponse } from '@loopmeter/shared/errors';
import { ssoErrorMessage } from './auth/sign-in-errors';

/**
 * The one place that talks HTTP to the API and knows how a request proves who is asking.
 *
 * Two ways to be signed in, chosen here and nowhere else:
 * - a cookie session (`POST /api/auth/login`, `GET /api/auth/me`, `POST /api/auth/logout`), used as soon as
 *   the server has it (`GET /api/auth/me` answers 200 or 401);
 * - until then (`GET /api/auth/me` answers 404), an API token the user pastes, kept in sessionStorage (gone
 *   when the tab closes) and sent as `Authorization: Bearer`.
 * Pages never see the difference: they call `getJson` / `sendJson`.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorResponse | undefined,
  ) {
    super(body?.message ?? (status === 0 ? 'The server could not be reached.' : `The request failed with status ${status}.`));
    this.name = 'ApiError';
  }

  get code(): string | undefined {
    return this.body?.code;
  }
}

/** 501 `metric_not_available`, or a 404/501 from an endpoint this server version does not have yet. */
export function isNotAvailable(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.status === 501 || (error.status === 404 && (error.code === 'route_not_found' || error.code === undefined)));
}

export type SignInMethod = 'token' | 'password' | 'setup';

export type SessionState =
  | { status: 'checking' }
  | {
      status: 'signed-out';
      method: SignInMethod;
      /** The server has cookie sessions (email and password, maybe single sign-on). */
      cookieAuth: boolean;
      sso: boolean;
      notice?: string;
      /** Why the last sign-in failed, when it happened away from the page (single sign-on). */
      error?: string;
    }
  | { status: 'signed-in'; via: 'token' | 'cookie'; me: Me | null; tokenPrefix?: string };

type Credentials = { kind: 'token'; token: string } | { kind: 'cookie' } | null;

const TOKEN_KEY = 'loopmeter.apiToken';

let credentials: Credentials = null;
let session: SessionState = { status: 'checking' };
const listeners = new Set<() => void>();

export function getSession(): SessionState {
  return session;
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function setSession(next: SessionState): void {
  session = next;
  for (const listener of listeners) listener();
}

function storedToken(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function storeToken(token: string | null): void {
  try {
    if (token === null) window.sessionStorage.removeItem(TOKEN_KEY);
    else window.sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage disabled (private mode): the token lives in memory for this page only.
  }
}

function tokenPrefix(token: string): string {
  return token.slice(0, 8);
}

/** Sends a request with the current credentials. A 401 while signed in ends the session. */
async function apiFetch(path: string, init: RequestInit = {}, auth: Credentials = credentials): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('accept')) headers.set('accept', 'application/json');
  if (auth?.kind === 'token') headers.set('authorization', `Bearer ${auth.token}`);
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, undefined);
  }
  if (response.status === 401 && auth === credentials && session.status === 'signed-in') {
    expire(session.via === 'token' ? 'The token was not accepted (revoked or mistyped): sign in again.' : 'Your session ended: sign in again.');
  }
  return response;
}

async function errorOf(response: Response): Promise<ApiError> {
  const data: unknown = await response.json().catch(() => undefined);
  const parsed = errorResponseSchema.safeParse(data);
  return new ApiError(response.status, parsed.success ? parsed.data : undefined);
}

export interface GetOptions {
  signal?: AbortSignal;
  /** Statuses whose body is a normal answer (the health check answers 503 with its report). */
  okStatuses?: number[];
}

/** GETs a JSON document and validates it with its shared schema. */
export async function getJson<T>(path: string, parse: (data: unknown) => T, options: GetOptions = {}): Promise<T> {
  const response = await apiFetch(path, { signal: options.signal });
  if (!response.ok && !options.okStatuses?.includes(response.status)) throw await errorOf(response);
  return parse(await response.json());
}

/** Sends a JSON body (or none) and validates the JSON answer; `parse` is skipped for an empty answer. */
export async function sendJson<T>(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body: unknown, parse: (data: unknown) => T): Promise<T> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const response = await apiFetch(path, init);
  if (!response.ok) throw await errorOf(response);
  const text = await response.text();
  return parse(text === '' ? undefined : JSON.parse(text));
}

/** Query string from the defined entries, in a stable order (query keys and URLs stay the same). */
export function queryString(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

async function readMe(response: Response): Promise<Me | null> {
  const parsed = meSchema.safeParse(await response.json().catch(() => undefined));
  return parsed.success ? parsed.data : null;
}

/**
 * The sign-in choices of the server: first-run set-up, password, single sign-on; only the token form when
 * it has no cookie sessions (`/api/setup` 404). `prefer` keeps the token form for someone who used a token.
 */
async function signedOutState(notice?: string, prefer?: SignInMethod): Promise<Extract<SessionState, { status: 'signed-out' }>> {
  const response = await fetch('/api/setup', { headers: { accept: 'application/json' }, credentials: 'same-origin' }).catch(() => undefined);
  if (!response || response.status === 404) return { status: 'signed-out', method: 'token', cookieAuth: false, sso: false, notice };
  const parsed = response.ok ? setupStatusSchema.safeParse(await response.json().catch(() => undefined)) : undefined;
  if (!parsed?.success) return { status: 'signed-out', method: prefer ?? 'password', cookieAuth: true, sso: false, notice };
  const status = parsed.data;
  const method: SignInMethod = status.needsSetup ? 'setup' : (prefer ?? (status.passwordSignIn ? 'password' : 'token'));
  return { status: 'signed-out', method, cookieAuth: true, sso: status.sso, notice };
}

/**
 * At start: a token of this tab, else the cookie session when the server has one (`/api/auth/me` 200),
 * else its sign-in choices (401), else the token form (404: a server without cookie sessions).
 */
export async function detectSession(): Promise<void> {
  const signInError = takeSignInError();
  const token = storedToken();
  if (token) {
    credentials = { kind: 'token', token };
    setSession({ status: 'signed-in', via: 'token', me: null, tokenPrefix: tokenPrefix(token) });
    void learnWhoTokenIs();
    return;
  }
  let response: Response;
  try {
    response = await fetch('/api/auth/me', { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  } catch {
    setSession({ status: 'signed-out', method: 'token', cookieAuth: false, sso: false, notice: 'The server could not be reached. Is it running?' });
    return;
  }
  if (response.ok) {
    credentials = { kind: 'cookie' };
    setSession({ status: 'signed-in', via: 'cookie', me: await readMe(response) });
  } else if (response.status === 404) {
    setSession({ status: 'signed-out', method: 'token', cookieAuth: false, sso: false });
  } else {
    const signedOut = await signedOutState();
    setSession(signInError ? { ...signedOut, error: signInError } : signedOut);
  }
}

/**
 * `/login?error=<code>`: where the server sends a browser whose single sign-on failed. The message is kept for
 * the sign-in page and the address becomes `/`, so signing in then lands on the overview and a reload shows
 * no stale message.
 */
function takeSignInError(): string | undefined {
  if (window.location.pathname !== '/login') return undefined;
  const code = new URLSearchParams(window.location.search).get('error');
  window.history.replaceState(null, '', '/');
  return code ? ssoErrorMessage(code) : undefined;
}

/** What the server says this token may do (role, teams), when it can say (`/api/auth/me`). */
async function learnWhoTokenIs(): Promise<void> {
  const auth = credentials;
  const response = await apiFetch('/api/auth/me').catch(() => undefined);
  if (!response?.ok || auth !== credentials || session.status !== 'signed-in') return;
  const me = await readMe(response);
  if (me) setSession({ ...session, me });
}

/** Checks the token against a read endpoint before keeping it. */
export async function signInWithToken(token: string): Promise<void> {
  const candidate: Credentials = { kind: 'token', token: token.trim() };
  const response = await apiFetch('/api/teams', {}, candidate);
  if (response.status === 401) throw new ApiError(401, { code: 'invalid_token', message: 'This token is not valid: it may be mistyped or revoked.', requestId: '' });
  if (response.status === 403) {
    throw new ApiError(403, { code: 'insufficient_scope', message: 'This token may only send events (ingest scope). Sign in with a read or admin token.', requestId: '' });
  }
  if (!response.ok) throw await errorOf(response);
  credentials = candidate;
  storeToken(candidate.token);
  setSession({ status: 'signed-in', via: 'token', me: null, tokenPrefix: tokenPrefix(candidate.token) });
  void learnWhoTokenIs();
}

async function startCookieSession(path: string, body: unknown): Promise<void> {
  const response = await apiFetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, null);
  if (!response.ok) throw await errorOf(response);
  credentials = { kind: 'cookie' };
  setSession({ status: 'signed-in', via: 'cookie', me: await readMe(response) });
}

export function signInWithPassword(email: string, password: string): Promise<void> {
  return startCookieSession('/api/auth/login', { email, password });
}

/** First run: creates the first admin and signs them in. */
export function setUpFirstAdmin(email: string, password: string, displayName?: string): Promise<void> {
  return startCookieSession('/api/setup', displayName ? { email, password, displayName } : { email, password });
}

export async function signOut(): Promise<void> {
  const was = credentials;
  credentials = null;
  storeToken(null);
  if (was?.kind === 'cookie') await fetch('/api/auth/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => undefined);
  setSession({ status: 'checking' });
  setSession(await signedOutState(undefined, was?.kind === 'token' ? 'token' : undefined));
}

export function chooseSignInMethod(method: SignInMethod): void {
  if (session.status === 'signed-out') setSession({ ...session, method, notice: undefined, error: undefined });
}

/** A 401 while signed in: the session ended or the token was revoked. */
function expire(notice: string): void {
  const wasToken = credentials?.kind === 'token';
  credentials = null;
  storeToken(null);
  setSession({ status: 'signed-out', method: wasToken ? 'token' : 'password', cookieAuth: !wasToken, sso: false, notice });
  void signedOutState(notice, wasToken ? 'token' : undefined).then((next) => {
    if (session.status === 'signed-out') setSession(next);
  });
}
