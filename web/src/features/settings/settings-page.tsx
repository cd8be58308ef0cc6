import { useEffect } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { isNotAvailable } from '../../api-client';
import { PageHeader } from '../../components/page-header';
import { useLocation } from '../../router/router';
import { loadDemo, removeDemo } from '../demo/api';
import { StatusPanel } from '../status/status-panel';
import { AuditSection } from './audit-section';
import { IntegrationsSection } from './integrations-section';
import { IngestSection, PipelineSection } from './pipeline-section';
import { TeamsSection } from './teams-section';
import { TokensSection } from './tokens-section';
import { UsersSection } from './users-section';

/** For admins: connect sources, manage tokens, and check that events get through. */
export function SettingsPage() {
  const { href } = useLocation();
  useEffect(() => {
    // Links such as /settings#integrations scroll to their section once it is drawn.
    const hash = window.location.hash.slice(1);
    if (hash) document.getElementById(hash)?.scrollIntoView();
  }, [href]);
  return (
    <>
      <PageHeader title="Settings" lead="Connect sources, manage tokens, users and teams, read the audit log, and check that events get through the pipeline." />
      <nav className="settings-nav" aria-label="Settings sections">
        <a href="#integrations">Integrations</a>
        <a href="#teams">Teams and identities</a>
        <a href="#tokens">Tokens</a>
        <a href="#users">Users</a>
        <a href="#audit">Audit log</a>
        <a href="#pipeline">Pipeline and ingest</a>
        <a href="#demo">Demo workspace</a>
        <a href="#server">Server</a>
      </nav>
      <div className="grid">
        <div id="integrations" className="wide">
          <IntegrationsSection />
        </div>
        <div id="teams" className="wide">
          <TeamsSection />
        </div>
        <div id="tokens" className="wide">
          <TokensSection />
        </div>
        <div id="users" className="wide">
          <UsersSection />
        </div>
        <div id="audit" className="wide">
          <AuditSection />
        </div>
        <div id="pipeline">
          <PipelineSection />
        </div>
        <IngestSection />
        <div id="demo">
          <DemoSection />
        </div>
        <div id="server">
          <StatusPanel />
        </div>
      </div>
    </>
  );
}

function DemoSection() {
  const queryClient = useQueryClient();
  const load = useMutation({ mutationFn: () => loadDemo(), onSuccess: () => queryClient.invalidateQueries() });
  const remove = useMutation({ mutationFn: removeDemo, onSuccess: () => queryClient.invalidateQueries() });
  const error = load.error ?? remove.error;
  return (
    <section className="panel" aria-labelledby="demo-title">
      <header className="panel-head">
        <h2 id="demo-title">Demo workspace</h2>
        <p className="panel-desc">A demo organisation (about 6 teams, 60 people, 6 months) sent through the real ingest endpoints, labelled as demo, removable in one click.</p>
      </header>
      <div className="inline-form">
        <button type="button" onClick={() => load.mutate()} disabled={load.isPending}>
          {load.isPending ? 'Loading…' : 'Load the demo'}
        </button>
        <button type="button" className="danger" onClick={() => remove.mutate()} disabled={remove.isPending}>
          {remove.isPending ? 'Removing…' : 'Remove the demo'}
        </button>
      </div>
      {load.data ? (
        <p role="status">
          Demo sent: {load.data.events.toLocaleString('en-US')} events in {Math.round(load.data.tookMs / 1000)} s. The pipeline processes them in the background (see Pipeline).
        </p>
      ) : null}
      {remove.data ? (
        <p role="status">
          Demo removed: {remove.data.rawEvents.toLocaleString('en-US')} raw events, {remove.data.integrations} integrations and {remove.data.tokens} tokens.
        </p>
      ) : null}
      {error ? (
        <p className="form-error" role="alert">
          {isNotAvailable(error) ? 'The demo workspace is not available in this server version yet.' : error.message}
        </p>
      ) : null}
    </section>
  );
}
