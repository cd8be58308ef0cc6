import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { integrationKindSchema, type IntegrationKind, type IntegrationWithSecret } from '@loopmeter/shared/integrations';
import { ChartPanel } from '../../charts/chart-panel';
import { CopyButton, CopyField } from '../../components/copy-button';
import { formatCount, formatDateTime } from '../../format/format';
import { Link } from '../../router/router';
import { createIntegration, ingestStatsQuery, integrationsQuery, settingsKeys } from './api';

export const KIND_LABELS: Record<IntegrationKind, string> = { github: 'GitHub', gitlab: 'GitLab', jira: 'Jira Cloud', linear: 'Linear' };

/** Webhook sources: connect one, copy its URL and secret (shown once), follow its guide, watch its deliveries. */
export function IntegrationsSection() {
  const integrations = useQuery(integrationsQuery);
  const ingest = useQuery(ingestStatsQuery);
  const [created, setCreated] = useState<IntegrationWithSecret>();
  const rejected = (kind: string) =>
    ingest.data?.counters.filter((c) => c.source === kind && c.outcome.startsWith('rejected')).reduce((sum, c) => sum + c.count, 0);
  return (
    <ChartPanel
      title="Integrations"
      description="Each source sends its events to its own webhook URL, signed with its secret."
      query={integrations}
      testId="integrations"
      className="wide"
    >
      {(data) => (
        <>
          <CreateIntegrationForm onCreated={setCreated} />
          {created ? <CreatedSecret integration={created} onDone={() => setCreated(undefined)} /> : null}
          {data.items.length === 0 ? (
            <p>No integration yet: create one above, then paste its URL and secret into the source, as its guide shows.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Source</th>
                    <th scope="col">Status</th>
                    <th scope="col">Webhook URL</th>
                    <th scope="col">Last delivery</th>
                    <th scope="col">Rejected since restart</th>
                    <th scope="col">Guide</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((i) => (
                    <tr key={i.id} data-integration={i.id}>
                      <th scope="row">{i.name}</th>
                      <td>{KIND_LABELS[i.kind]}</td>
                      <td>
                        <span className={`badge ${i.status === 'active' ? 'ok' : ''}`}>{i.status}</span> {i.signed ? '' : <span className="badge bad">unsigned</span>}
                      </td>
                      <td>
                        <code className="url">{i.webhookUrl}</code> <CopyButton value={i.webhookUrl} label={`webhook URL of ${i.name}`} />
                      </td>
                      <td>{i.lastDeliveryAt ? formatDateTime(i.lastDeliveryAt) : <span className="muted">none yet</span>}</td>
                      <td>{ingest.data ? formatCount(rejected(i.kind) ?? 0) : '…'}</td>
                      <td>
                        <Link to={`/settings/guides/${i.kind}`}>Set up {KIND_LABELS[i.kind]}</Link>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p className="help">
            Guides: {integrationKindSchema.options.map((k, index) => (
              <span key={k}>
                {index > 0 ? ' · ' : ''}
                <Link to={`/settings/guides/${k}`}>{KIND_LABELS[k]}</Link>
              </span>
            ))}{' '}
            · <Link to="/settings/guides/agents">AI agents (OpenTelemetry)</Link>
          </p>
        </>
      )}
    </ChartPanel>
  );
}

function CreateIntegrationForm({ onCreated }: { onCreated: (integration: IntegrationWithSecret) => void }) {
  const id = useId();
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<IntegrationKind>('github');
  const [name, setName] = useState('');
  const [secret, setSecret] = useState('');
  const create = useMutation({
    mutationFn: createIntegration,
    onSuccess: (integration) => {
      onCreated(integration);
      setName('');
      setSecret('');
      void queryClient.invalidateQueries({ queryKey: settingsKeys.integrations });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ kind, name: name.trim() || `${KIND_LABELS[kind]}`, ...(secret.trim() ? { secret: secret.trim() } : {}) });
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Connect a source">
      <div className="field">
        <label htmlFor={`${id}-kind`}>Source</label>
        <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(integrationKindSchema.parse(e.target.value))}>
          {integrationKindSchema.options.map((k) => (
            <option key={k} value={k}>
              {KIND_LABELS[k]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} placeholder={`e.g. acme ${KIND_LABELS[kind]}`} maxLength={100} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-secret`}>Secret (optional)</label>
        <input id={`${id}-secret`} value={secret} onChange={(e) => setSecret(e.target.value)} placeholder={kind === 'linear' ? "Linear's signing secret" : 'generated if empty'} autoComplete="off" />
      </div>
      <button type="submit" className="primary" disabled={create.isPending}>
        {create.isPending ? 'Connecting…' : 'Connect'}
      </button>
      {create.isError ? (
        <p className="form-error" role="alert">
          {create.error.message}
        </p>
      ) : null}
    </form>
  );
}

function CreatedSecret({ integration, onDone }: { integration: IntegrationWithSecret; onDone: () => void }) {
  const id = useId();
  return (
    <div className="secret-box" role="region" aria-label={`Webhook of ${integration.name}`} data-testid="integration-secret">
      <p>
        <strong>{integration.name} is connected.</strong> Copy the secret now: it is shown only this once. Then follow the{' '}
        <Link to={`/settings/guides/${integration.kind}`}>{KIND_LABELS[integration.kind]} guide</Link>.
      </p>
      <CopyField id={`${id}-url`} label="Webhook URL" value={integration.webhookUrl} />
      <CopyField id={`${id}-secret`} label="Secret" value={integration.secret} />
      <button type="button" onClick={onDone}>
        I have copied it
      </button>
    </div>
  );
}
