import { Component, Suspense, useEffect, type ErrorInfo, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { signOut } from './api-client';
import { SignInPage } from './auth/sign-in-page';
import { useSession } from './auth/use-session';
import { filterSearch } from './filters/dashboard-filters';
import { Link, useLocation } from './router/router';
import { resolveRoute } from './router/routes';

const NAV = [
  { to: '/', label: 'Overview', match: (p: string) => p === '/' },
  { to: '/teams', label: 'Teams', match: (p: string) => p.startsWith('/teams') },
  { to: '/experiments', label: 'Experiments', match: (p: string) => p.startsWith('/experiments') },
  { to: '/agents', label: 'Agents', match: (p: string) => p.startsWith('/agents') },
  { to: '/regressions', label: 'Regressions', match: (p: string) => p.startsWith('/regressions') },
  { to: '/settings', label: 'Settings', match: (p: string) => p.startsWith('/settings'), adminOnly: true },
];

export function App() {
  const session = useSession();
  const queryClient = useQueryClient();
  useEffect(() => {
    // Nothing of a previous session stays on screen or in the cache.
    if (session.status === 'signed-out') queryClient.clear();
  }, [session.status, queryClient]);
  if (session.status === 'checking') {
    return (
      <div className="boot" role="status">
        Loading Loopmeter…
      </div>
    );
  }
  if (session.status === 'signed-out') return <SignInPage session={session} />;
  const who =
    session.via === 'cookie'
      ? (session.me?.user?.displayName ?? session.me?.user?.email ?? 'Signed in')
      : `Token ${session.tokenPrefix ?? ''}…${session.me?.token?.scope ? ` (${session.me.token.scope})` : ''}`;
  // Settings manage integrations, tokens and users: admins only (the API refuses the others anyway). Unknown: shown.
  const isAdmin = session.me === null || session.me.role === 'admin';
  return <Shell who={who} isAdmin={isAdmin} />;
}

function Shell({ who, isAdmin }: { who: string; isAdmin: boolean }) {
  const location = useLocation();
  const route = resolveRoute(location.pathname);
  const nav = NAV.filter((item) => isAdmin || !item.adminOnly);
  const allowed = isAdmin || !NAV.some((item) => item.adminOnly && item.match(location.pathname));
  const keep = filterSearch(location.search);
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to={`/${keep}`} className="brand" aria-label="Loopmeter overview">
          <span className="brand-mark" aria-hidden="true">
            ◔
          </span>{' '}
          Loopmeter
        </Link>
        <nav aria-label="Main">
          <ul>
            {nav.map((item) => (
              <li key={item.to}>
                <Link to={item.to + keep} aria-current={item.match(location.pathname) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="account">
          <span className="who" title="How you are signed in">
            {who}
          </span>
          <button type="button" className="link-button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        <PageBoundary key={location.pathname}>
          <Suspense
            fallback={
              <div className="page-loading" role="status">
                Loading…
              </div>
            }
          >
            {!allowed ? <AdminsOnly /> : route ? <route.Page params={route.params} /> : <NotFound />}
          </Suspense>
        </PageBoundary>
      </main>
    </div>
  );
}

function AdminsOnly() {
  return (
    <section className="panel">
      <h1>Settings are for admins</h1>
      <p>
        Integrations, tokens, users and the audit log are managed by an admin of this Loopmeter. Go to the <Link to="/">overview</Link>.
      </p>
    </section>
  );
}

function NotFound() {
  return (
    <section className="panel">
      <h1>Page not found</h1>
      <p>
        Nothing lives at this address. Go to the <Link to="/">overview</Link>.
      </p>
    </section>
  );
}

/** A page that fails to load (a new deployment replaced its chunk, say) shows why instead of a blank screen. */
class PageBoundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error(error, info.componentStack);
  }
  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <section className="panel panel-error" role="alert">
        <h1>This page could not be shown</h1>
        <p>{this.state.error.message}</p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload
        </button>
      </section>
    );
  }
}
