import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { stubFetch } from '../test/render';
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
