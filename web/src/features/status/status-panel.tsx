import { useQuery } from '@tanstack/react-query';
import { healthQuery } from './api';

/** Shows whether the server and its database are up. The dashboard pages come with their own features. */
export function StatusPanel() {
  const health = useQuery(healthQuery);
  if (health.isPending) return <section className="panel" aria-busy="true">Checking the server…</section>;
  if (health.isError) {
    return (
      <section className="panel panel-error" role="alert">
        The server did not answer: {health.error.message}
      </section>
    );
  }
  const { status, version, database } = health.data;
  return (
    <section className="panel" aria-label="Server status">
      <h2>
        Server status: <span data-testid="health-status" className={status === 'ok' ? 'ok' : 'bad'}>{status}</span>
      </h2>
      <dl className="facts">
        <dt>Version</dt>
        <dd>{version}</dd>
        <dt>Database</dt>
        <dd>
          {database.kind === 'embedded' ? 'embedded PostgreSQL (PGlite)' : 'PostgreSQL'}, {database.reachable ? 'reachable' : 'unreachable'},{' '}
          {database.migrations.applied} migrations applied
          {database.migrations.pending.length > 0 ? `, ${database.migrations.pending.length} pending` : ''}
        </dd>
      </dl>
      <p>
        Connect a source to start measuring: see the <a href="/api/docs">API documentation</a>.
      </p>
    </section>
  );
}
