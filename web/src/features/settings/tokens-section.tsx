import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { tokenScopeSchema, type CreateTokenResponse, type TokenScope } from '@loopmeter/shared/tokens';
import { ChartPanel } from '../../charts/chart-panel';
import { CopyField } from '../../components/copy-button';
import { formatDateTime } from '../../format/format';
import { createToken, revokeToken, settingsKeys, tokensQuery } from './api';

const SCOPE_HELP: Record<TokenScope, string> = {
  read: 'read dashboards and the API',
  ingest: 'send events and agent telemetry',
  admin: 'everything, including integrations and tokens',
};

/** API tokens: create one (shown once), see when each was last used, revoke it. */
export function TokensSection() {
  const tokens = useQuery(tokensQuery);
  const [created, setCreated] = useState<CreateTokenResponse>();
  return (
    <ChartPanel title="API tokens" description="For scripts, agents' telemetry and the dashboard. Only a hash is stored: a token is shown once." query={tokens} testId="tokens" className="wide">
      {(data) => (
        <>
          <CreateTokenForm onCreated={setCreated} />
          {created ? (
            <div className="secret-box" role="region" aria-label={`Token ${created.name}`} data-testid="token-secret">
              <p>
                <strong>Token {created.name} created.</strong> Copy it now: it is shown only this once.
              </p>
              <CopyField id="new-token" label="Token" value={created.token} />
              <button type="button" onClick={() => setCreated(undefined)}>
                I have copied it
              </button>
            </div>
          ) : null}
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Scope</th>
                  <th scope="col">Team</th>
                  <th scope="col">Starts with</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((t) => (
                  <tr key={t.id} data-token={t.id} className={t.revokedAt ? 'muted' : undefined}>
                    <th scope="row">{t.name}</th>
                    <td>{t.scope}</td>
                    <td>{t.team ?? '—'}</td>
                    <td>
                      <code>{t.prefix}…</code>
                    </td>
                    <td>{formatDateTime(t.createdAt)}</td>
                    <td>{t.lastUsedAt ? formatDateTime(t.lastUsedAt) : 'never'}</td>
                    <td>{t.revokedAt ? `revoked ${formatDateTime(t.revokedAt)}` : <RevokeButton id={t.id} name={t.name} />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </ChartPanel>
  );
}

function CreateTokenForm({ onCreated }: { onCreated: (token: CreateTokenResponse) => void }) {
  const id = useId();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [scope, setScope] = useState<TokenScope>('read');
  const [team, setTeam] = useState('');
  const create = useMutation({
    mutationFn: createToken,
    onSuccess: (token) => {
      onCreated(token);
      setName('');
      setTeam('');
      void queryClient.invalidateQueries({ queryKey: settingsKeys.tokens });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name: name.trim(), scope, ...(team.trim() ? { team: team.trim() } : {}) });
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Create a token">
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} placeholder="e.g. deploy script" />
      </div>
      <div className="field">
        <label htmlFor={`${id}-scope`}>Scope</label>
        <select id={`${id}-scope`} value={scope} onChange={(e) => setScope(tokenScopeSchema.parse(e.target.value))} aria-describedby={`${id}-scope-help`}>
          {tokenScopeSchema.options.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-team`}>Team (optional)</label>
        <input id={`${id}-team`} value={team} onChange={(e) => setTeam(e.target.value)} maxLength={100} />
      </div>
      <button type="submit" className="primary" disabled={create.isPending || !name.trim()}>
        {create.isPending ? 'Creating…' : 'Create token'}
      </button>
      <p id={`${id}-scope-help`} className="help">
        {scope}: {SCOPE_HELP[scope]}.
      </p>
      {create.isError ? (
        <p className="form-error" role="alert">
          {create.error.message}
        </p>
      ) : null}
    </form>
  );
}

function RevokeButton({ id, name }: { id: string; name: string }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const revoke = useMutation({ mutationFn: () => revokeToken(id), onSuccess: () => queryClient.invalidateQueries({ queryKey: settingsKeys.tokens }) });
  if (!confirming) {
    return (
      <button type="button" className="danger" onClick={() => setConfirming(true)} aria-label={`Revoke token ${name}`}>
        Revoke
      </button>
    );
  }
  return (
    <span role="group" aria-label={`Confirm revoking ${name}`}>
      It stops working at once.{' '}
      <button type="button" className="danger" onClick={() => revoke.mutate()} disabled={revoke.isPending} autoFocus>
        Revoke {name}
      </button>{' '}
      <button type="button" onClick={() => setConfirming(false)}>
        Cancel
      </button>
      {revoke.isError ? <span className="form-error"> {revoke.error.message}</span> : null}
    </span>
  );
}
