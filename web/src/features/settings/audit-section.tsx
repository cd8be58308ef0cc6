import { Fragment, useEffect, useId, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { AUDIT_ACTIONS, auditOutcomeSchema, type AuditActorKind, type AuditEntry, type AuditOutcome } from '@loopmeter/shared/audit';
import { ChartPanel } from '../../charts/chart-panel';
import { formatDateTime } from '../../format/format';
import { updateSearch, useLocation } from '../../router/router';
import { auditQuery, type AuditPageParams } from './api';

export const AUDIT_PAGE_SIZE = 50;

/** The groups of actions, as the prefixes the API filters on (`token.` matches `token.created` and `token.revoked`). */
const ACTION_GROUPS = [...new Set(AUDIT_ACTIONS.map((a) => `${a.slice(0, a.indexOf('.'))}.`))];

const ACTION_LABELS: Record<string, string> = {
  'auth.sign_in': 'Sign-in',
  'auth.sign_out': 'Sign-out',
  'auth.password_changed': 'Password changed',
  'setup.completed': 'First admin set up',
  'user.created': 'User created',
  'user.updated': 'User changed',
  'token.created': 'Token created',
  'token.revoked': 'Token revoked',
  'integration.created': 'Integration created',
  'integration.updated': 'Integration changed',
  'integration.secret_rotated': 'Integration secret rotated',
  'teams.imported': 'Teams file imported',
  'settings.changed': 'Server settings changed',
  'export.agent_runs': 'Agent runs exported',
} satisfies Record<(typeof AUDIT_ACTIONS)[number], string>;

const ACTOR_KINDS: Record<AuditActorKind, string> = {
  user: 'user',
  token: 'API token',
  'env-admin': 'admin token of the environment',
  'local-cli': 'command line',
  anonymous: 'not signed in',
  system: 'Loopmeter',
};

const OUTCOME_BADGE: Record<AuditOutcome, string> = { success: 'ok', failure: 'bad', denied: 'bad' };

/** Who did it, as people read it: the email or token name, then what kind of actor. */
export function auditActor(actor: AuditEntry['actor']): { name: string; kind: string } {
  return { name: actor.label ?? actor.id ?? ACTOR_KINDS[actor.kind], kind: ACTOR_KINDS[actor.kind] };
}

/** `YYYY-MM-DD` → the next day: the API's `to` is exclusive, the field "To" includes its day. */
function dayAfter(date: string): string | undefined {
  const time = Date.parse(`${date}T00:00:00Z`);
  return Number.isNaN(time) ? undefined : new Date(time + 86_400_000).toISOString().slice(0, 10);
}

function isoDay(value: string | null): string | undefined {
  return value && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : undefined;
}

/**
 * The audit log, newest first: who did what, to what, with which outcome, when. The filters live in the URL
 * (a filtered view can be shared); pages go back in time with the API's cursor.
 */
export function AuditSection() {
  const id = useId();
  const { search } = useLocation();
  const action = search.get('auditAction') ?? '';
  const outcome = auditOutcomeSchema.safeParse(search.get('auditOutcome')).data;
  const actor = search.get('auditActor') ?? '';
  const from = isoDay(search.get('auditFrom'));
  const to = isoDay(search.get('auditTo'));
  const [actorDraft, setActorDraft] = useState(actor);
  useEffect(() => setActorDraft(actor), [actor]);
  useEffect(() => {
    if (actorDraft.trim() === actor) return;
    // Filter as the user types, without one history entry per keystroke.
    const timer = setTimeout(() => updateSearch({ auditActor: actorDraft.trim() || undefined }, { replace: true }), 300);
    return () => clearTimeout(timer);
  }, [actorDraft, actor]);
  const filters: AuditPageParams = {
    action: action || undefined,
    outcome,
    actor: actor || undefined,
    from,
    to: to ? dayAfter(to) : undefined,
    limit: AUDIT_PAGE_SIZE,
  };
  const set = (patch: Record<string, string | undefined>) => updateSearch(patch, { replace: true });
  const filtered = Boolean(action || outcome || actor || from || to);
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <header className="panel-head">
        <h2 id={`${id}-title`}>Audit log</h2>
        <p className="panel-desc">Sign-ins, user, token and integration changes, teams imports, settings changes and exports: who, what, when. It cannot be edited.</p>
      </header>
      <div className="toolbar audit-filters" role="search" aria-label="Filter the audit log">
        <div className="field">
          <label htmlFor={`${id}-action`}>Action</label>
          <select id={`${id}-action`} value={action} onChange={(e) => set({ auditAction: e.target.value || undefined })}>
            <option value="">Any action</option>
            <optgroup label="Groups">
              {ACTION_GROUPS.map((g) => (
                <option key={g} value={g}>
                  {g}*
                </option>
              ))}
            </optgroup>
            <optgroup label="Actions">
              {AUDIT_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </optgroup>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-outcome`}>Outcome</label>
          <select id={`${id}-outcome`} value={outcome ?? ''} onChange={(e) => set({ auditOutcome: e.target.value || undefined })}>
            <option value="">Any outcome</option>
            {auditOutcomeSchema.options.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-actor`}>Actor (email, token name or id)</label>
          <input id={`${id}-actor`} type="search" value={actorDraft} onChange={(e) => setActorDraft(e.target.value)} maxLength={320} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-from`}>From (UTC)</label>
          <input id={`${id}-from`} type="date" value={from ?? ''} max={to} onChange={(e) => set({ auditFrom: e.target.value || undefined })} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-to`}>To (UTC, included)</label>
          <input id={`${id}-to`} type="date" value={to ?? ''} min={from} onChange={(e) => set({ auditTo: e.target.value || undefined })} />
        </div>
        {filtered ? (
          <button type="button" onClick={() => set({ auditAction: undefined, auditOutcome: undefined, auditActor: undefined, auditFrom: undefined, auditTo: undefined })}>
            Clear filters
          </button>
        ) : null}
      </div>
      {/* A new filter starts again from the newest entries. */}
      <AuditEntries key={JSON.stringify(filters)} filters={filters} filtered={filtered} />
    </section>
  );
}

function AuditEntries({ filters, filtered }: { filters: AuditPageParams; filtered: boolean }) {
  // The cursors of the pages opened so far: the last one is shown; none is the newest page.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const entries = useQuery(auditQuery({ ...filters, cursor }));
  const page = cursors.length + 1;
  return (
    <ChartPanel
      title="Entries, newest first"
      query={entries}
      isEmpty={(d) => d.items.length === 0 && page === 1}
      empty={filtered ? <p>No entry matches these filters.</p> : <p>Nothing recorded yet.</p>}
      testId="audit"
      className="flat"
    >
      {(data) => (
        <>
          <div className="table-wrap">
            <table aria-busy={entries.isPlaceholderData}>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((entry) => (
                  <AuditRow key={entry.id} entry={entry} />
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Audit log pages">
            <span aria-live="polite">
              Page {page}
              {data.nextCursor === null ? ', the oldest' : ''}
            </span>
            <button type="button" onClick={() => setCursors(cursors.slice(0, -1))} disabled={page === 1 || entries.isPlaceholderData}>
              Newer
            </button>
            <button type="button" onClick={() => data.nextCursor && setCursors([...cursors, data.nextCursor])} disabled={data.nextCursor === null || entries.isPlaceholderData}>
              {entries.isPlaceholderData ? 'Loading…' : 'Older'}
            </button>
          </nav>
        </>
      )}
    </ChartPanel>
  );
}

function detailText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function AuditRow({ entry }: { entry: AuditEntry }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const actor = auditActor(entry.actor);
  const details = Object.entries(entry.details);
  return (
    <>
      <tr data-audit={entry.id} data-action={entry.action}>
        <td>
          <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
        </td>
        <td>
          {actor.name}
          {actor.name !== actor.kind ? <div className="muted">{actor.kind}</div> : null}
        </td>
        <td>
          {ACTION_LABELS[entry.action] ?? entry.action}
          <div>
            <code>{entry.action}</code>
          </div>
        </td>
        <td>{entry.target ? <code className="audit-target">{entry.target}</code> : <span className="muted">—</span>}</td>
        <td>
          <span className={`badge ${OUTCOME_BADGE[entry.outcome]}`}>{entry.outcome}</span>
        </td>
        <td>
          <button type="button" className="link-button" aria-expanded={open} aria-controls={open ? `${id}-details` : undefined} onClick={() => setOpen(!open)}>
            {open ? 'Hide' : 'Show'}
            <span className="visually-hidden"> details of entry {entry.id}</span>
          </button>
        </td>
      </tr>
      {open ? (
        // Its own full-width row: the details (before and after of a change) stay readable on a narrow screen.
        <tr id={`${id}-details`} className="audit-details" data-details-of={entry.id}>
          <td colSpan={6}>
            <dl className="facts">
              {details.map(([key, value]) => (
                <Fragment key={key}>
                  <dt>{key}</dt>
                  <dd>
                    <code>{detailText(value)}</code>
                  </dd>
                </Fragment>
              ))}
              <dt>client address</dt>
              <dd>{entry.ip ?? '—'}</dd>
              <dt>request id</dt>
              <dd>{entry.requestId ? <code>{entry.requestId}</code> : '—'}</dd>
            </dl>
          </td>
        </tr>
      ) : null}
    </>
  );
}
