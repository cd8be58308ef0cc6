import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { renderWithQueries, stubFetch } from '../test/render';
import { SignInPage } from './sign-in-page';

describe('SignInPage', () => {
  it('the token form: asks for a token, and says why one is refused', async () => {
    stubFetch(() => ({ status: 403, body: { code: 'insufficient_scope', message: 'needs read', requestId: 'r' } }));
    render(<SignInPage session={{ status: 'signed-out', method: 'token', cookieAuth: false, sso: false }} />);
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Paste an API token first.');
    await userEvent.type(screen.getByLabelText('API token'), 'lm_ingest_only');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('This token may only send events (ingest scope)');
    expect(screen.getByLabelText('API token')).toHaveAttribute('aria-invalid', 'true');
    // No cookie sessions on this server: no other way to sign in is offered.
    expect(screen.queryByRole('button', { name: /email and password/ })).toBeNull();
  });

  it('with cookie sessions: email and password, and the token form one click away', () => {
    render(<SignInPage session={{ status: 'signed-out', method: 'password', cookieAuth: true, sso: true, notice: 'Your session ended: sign in again.' }} />);
    expect(screen.getByRole('status')).toHaveTextContent('Your session ended');
    expect(screen.getByLabelText('Email')).toBeInTheDocument();
    expect(screen.getByLabelText('Password')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Use an API token instead' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Sign in with single sign-on' })).toHaveAttribute('href', '/api/auth/oidc/start');
  });
});

describe('SignInPage after a failed single sign-on (/login?error=<code>)', () => {
  const setupAnswer = { needsSetup: false, passwordSignIn: true, sso: true };

  async function landOn(path: string) {
    window.history.replaceState(null, '', path);
    stubFetch((url) => (url === '/api/auth/me' ? { status: 401, body: { code: 'missing_token', message: 'Sign in', requestId: 'r' } } : url === '/api/setup' ? { status: 200, body: setupAnswer } : { status: 500 }));
    // The client keeps its session in module state: a fresh copy, as after the browser's redirect.
    vi.resetModules();
    const api = await import('../api-client');
    const { App } = await import('../app');
    await api.detectSession();
    renderWithQueries(<App />);
  }

  it('says in words why an unknown person was not signed in, offers single sign-on again, and leaves /login', async () => {
    await landOn('/login?error=sso_user_unknown');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('You signed in at your identity provider, but Loopmeter has no account with your email. Ask an admin to add you.');
    expect(alert).not.toHaveTextContent('sso_user_unknown');
    expect(screen.getByRole('link', { name: 'Sign in with single sign-on' })).toHaveAttribute('href', '/api/auth/oidc/start');
    expect(screen.getByLabelText('Email')).toBeInTheDocument();
    // The address no longer holds the error: signing in from here lands on the overview, and a reload shows no stale message.
    expect(window.location.pathname + window.location.search).toBe('/');
  });

  it.each([
    ['sso_cancelled', 'Single sign-on was cancelled at your identity provider.'],
    ['sso_expired', 'The single sign-on took too long or was started in another browser. Try again.'],
    ['sso_invalid_response', 'Loopmeter could not verify the answer of your identity provider, so you were not signed in. Try again; if it keeps happening, tell your admin.'],
    ['sso_user_disabled', 'Your Loopmeter account is disabled. Ask an admin to enable it.'],
    ['something_new', 'Single sign-on did not work. Try again, or sign in another way.'],
  ])('explains %s', async (code, message) => {
    await landOn(`/login?error=${code}`);
    expect(await screen.findByRole('alert')).toHaveTextContent(message);
  });

  it('shows no message on a plain visit to /login', async () => {
    await landOn('/login');
    expect(await screen.findByLabelText('Email')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
