import { useState, type FormEvent, type ReactNode } from 'react';
import { chooseSignInMethod, setUpFirstAdmin, signInWithPassword, signInWithToken, type SessionState } from '../api-client';

type SignedOut = Extract<SessionState, { status: 'signed-out' }>;

/**
 * Sign in: with email and password (or single sign-on) when the server has cookie sessions, with an API
 * token otherwise; a token always works, for automation and for admins. On the very first run, create the
 * first admin.
 */
export function SignInPage({ session }: { session: SignedOut }) {
  return (
    <main className="sign-in" id="main">
      <div className="sign-in-card panel">
        <h1>Loopmeter</h1>
        <p className="muted">How fast your teams turn customer insight into working evidence, and how much AI agents help.</p>
        {session.notice ? (
          <p className="notice" role="status">
            {session.notice}
          </p>
        ) : null}
        {session.error ? (
          <p className="form-error" role="alert">
            {session.error}
          </p>
        ) : null}
        {session.method === 'setup' ? <SetupForm /> : session.method === 'password' ? <PasswordForm /> : <TokenForm />}
        {session.cookieAuth ? (
          <p className="switch-method">
            {session.method === 'token' ? (
              <button type="button" className="link-button" onClick={() => chooseSignInMethod('password')}>
                Sign in with email and password
              </button>
            ) : (
              <button type="button" className="link-button" onClick={() => chooseSignInMethod('token')}>
                Use an API token instead
              </button>
            )}
            {session.sso ? (
              <>
                {' · '}
                <a href="/api/auth/oidc/start">Sign in with single sign-on</a>
              </>
            ) : null}
          </p>
        ) : null}
      </div>
    </main>
  );
}

/** Submit handling shared by the forms: busy while waiting, the server's message on failure. */
function useSubmit(action: () => Promise<void>, check?: () => string | undefined) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problem = check?.();
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    }
  };
  return { error, busy, onSubmit: (e: FormEvent) => void submit(e) };
}

function FormError({ id, error }: { id: string; error?: string }) {
  return error ? (
    <p id={id} className="form-error" role="alert">
      {error}
    </p>
  ) : null;
}

function SubmitButton({ busy, children }: { busy: boolean; children: ReactNode }) {
  return (
    <button type="submit" className="primary" disabled={busy}>
      {busy ? 'Checking…' : children}
    </button>
  );
}

function TokenForm() {
  const [token, setToken] = useState('');
  const { error, busy, onSubmit } = useSubmit(
    () => signInWithToken(token),
    () => (token.trim() ? undefined : 'Paste an API token first.'),
  );
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Sign in with an API token">
      <label htmlFor="api-token">API token</label>
      <input
        id="api-token"
        name="token"
        type="password"
        autoComplete="off"
        spellCheck={false}
        value={token}
        onChange={(e) => setToken(e.target.value)}
        aria-describedby="token-help"
        aria-invalid={error ? true : undefined}
        aria-errormessage={error ? 'sign-in-error' : undefined}
        autoFocus
      />
      <p id="token-help" className="help">
        A <code>read</code> token shows the dashboards; an <code>admin</code> token also manages integrations and tokens. Create one on the server with{' '}
        <code>npm run cli -- token create --name dashboard --scope read</code>. It is kept in this browser tab only.
      </p>
      <FormError id="sign-in-error" error={error} />
      <SubmitButton busy={busy}>Sign in</SubmitButton>
    </form>
  );
}

function PasswordForm() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, onSubmit } = useSubmit(() => signInWithPassword(email, password));
  return (
    <form onSubmit={onSubmit} aria-label="Sign in with email and password">
      <label htmlFor="email">Email</label>
      <input id="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus />
      <label htmlFor="password">Password</label>
      <input id="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
      <FormError id="sign-in-error" error={error} />
      <SubmitButton busy={busy}>Sign in</SubmitButton>
    </form>
  );
}

function SetupForm() {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, onSubmit } = useSubmit(
    () => setUpFirstAdmin(email, password, name.trim() || undefined),
    () => (password.length < 12 ? 'The password needs at least 12 characters.' : undefined),
  );
  return (
    <form onSubmit={onSubmit} aria-label="Create the first admin">
      <p>
        <strong>Welcome.</strong> Create the first admin account of this Loopmeter.
      </p>
      <label htmlFor="setup-email">Email</label>
      <input id="setup-email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus />
      <label htmlFor="setup-name">Name (optional)</label>
      <input id="setup-name" type="text" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
      <label htmlFor="setup-password">Password (12 characters or more)</label>
      <input id="setup-password" type="password" autoComplete="new-password" minLength={12} value={password} onChange={(e) => setPassword(e.target.value)} required />
      <FormError id="sign-in-error" error={error} />
      <SubmitButton busy={busy}>Create admin and sign in</SubmitButton>
    </form>
  );
}
