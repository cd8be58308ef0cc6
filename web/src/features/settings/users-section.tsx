import { useId, useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { USER_ROLES, userRoleSchema, type UpdateUserRequest, type User, type UserAccess, type UserMembership, type UserRole } from '@loopmeter/shared/auth';
import { ChartPanel } from '../../charts/chart-panel';
import { formatDateTime } from '../../format/format';
import { teamListQuery } from '../teams/api';
import { createUser, settingsKeys, updateUser, usersQuery } from './api';

const ROLE_HELP: Record<UserRole, string> = {
  admin: 'everything, and manages users, tokens, integrations, exports and the audit log',
  executive: 'organisation-wide numbers and every team, without per-person numbers',
  lead: 'their teams, with per-person numbers of the teams the teams file lists them as lead of',
  member: 'their own teams and their own numbers',
};

type Outcome = { ok: true; text: string } | { ok: false; text: string };

interface TeamOption {
  key: string;
  name: string;
}

/** The teams to choose from: those imported, and a team a user has that is not (yet) in the teams file. */
function teamOptions(known: TeamOption[], current: string | null): TeamOption[] {
  return current === null || known.some((t) => t.key === current) ? known : [...known, { key: current, name: current }];
}

function TeamChoices({ teams, current }: { teams: TeamOption[]; current: string | null }) {
  return (
    <>
      <option value="">none</option>
      {teamOptions(teams, current).map((t) => (
        <option key={t.key} value={t.key}>
          {t.name === t.key ? t.key : `${t.name} (${t.key})`}
        </option>
      ))}
    </>
  );
}

/** A user's teams in the teams file, those they lead first: "payments (lead), checkout". */
export function formatMemberships(memberships: UserMembership[]): string {
  if (memberships.length === 0) return 'not in the teams file';
  const led = memberships.filter((m) => m.role === 'lead').map((m) => `${m.team} (lead)`);
  return [...led, ...memberships.filter((m) => m.role !== 'lead').map((m) => m.team)].join(', ');
}

/** What a user sees with their role, as the server computes it (the same as their /api/auth/me). */
export function formatAccess(access: UserAccess): string {
  if (access.teams === 'all') return access.personDetail === 'all' ? 'every team, with per-person numbers' : 'every team, without per-person numbers';
  if (access.teams.length === 0) return 'no team yet: only their own numbers';
  const people = access.personDetail === 'all' ? 'everyone' : access.personDetail.join(', ');
  return people ? `${access.teams.join(', ')}; per-person numbers of ${people}` : access.teams.join(', ');
}

/**
 * The people who may sign in: create one, change a role or their own team, edit a name or set a new
 * password, disable or enable. Their teams are the teams file's memberships (matched by email) and,
 * optionally, one team set here; "Sees" is what their role makes of those.
 */
export function UsersSection() {
  const users = useQuery(usersQuery);
  // The teams to offer; without them (not imported yet, or not loaded) a user can still be created.
  const teams = useQuery(teamListQuery).data?.items ?? [];
  const [outcome, setOutcome] = useState<Outcome>();
  return (
    <ChartPanel
      title="Users"
      description="People who sign in with a password or single sign-on, and their role. A lead's or member's teams are their memberships in the teams file (matched by email) and the team set here; admins and executives see every team."
      query={users}
      testId="users"
      className="wide"
    >
      {(data) => (
        <>
          <CreateUserForm teams={teams} />
          {data.items.length === 0 ? (
            <p>No user yet: create one above. Until then only API tokens sign in.</p>
          ) : (
            <>
              {outcome ? (
                outcome.ok ? (
                  <p role="status">{outcome.text}</p>
                ) : (
                  <p className="form-error" role="alert">
                    {outcome.text}
                  </p>
                )
              ) : null}
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">User</th>
                      <th scope="col">Role</th>
                      <th scope="col">Own team</th>
                      <th scope="col">Teams file</th>
                      <th scope="col">Sees</th>
                      <th scope="col">Sign-in</th>
                      <th scope="col">Status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((u) => (
                      <UserRow key={u.id} user={u} teams={teams} onOutcome={setOutcome} />
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </>
      )}
    </ChartPanel>
  );
}

function who(user: User): string {
  return user.displayName ? `${user.displayName} (${user.email})` : user.email;
}

const USER_COLUMNS = 7;

function UserRow({ user, teams, onOutcome }: { user: User; teams: TeamOption[]; onOutcome: (outcome: Outcome) => void }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const update = useMutation({
    mutationFn: (body: UpdateUserRequest) => updateUser(user.id, body),
    onSuccess: (after, body) => {
      setConfirming(false);
      if (body.role) onOutcome({ ok: true, text: `${who(after)} is now ${after.role}; their sessions ended, the new role applies at their next sign-in.` });
      else if (body.team !== undefined) {
        onOutcome({ ok: true, text: after.team ? `${who(after)} now has team ${after.team} as their own team.` : `${who(after)} has no own team now; their teams file memberships stay.` });
      } else onOutcome({ ok: true, text: after.disabled ? `${who(after)} is disabled and signed out everywhere.` : `${who(after)} may sign in again.` });
      void queryClient.invalidateQueries({ queryKey: settingsKeys.users });
      void queryClient.invalidateQueries({ queryKey: settingsKeys.audit });
    },
    onError: (error) => onOutcome({ ok: false, text: error.message }),
  });
  // While a change is on its way the select shows it; after a refusal it shows the role the server kept.
  const role = update.isPending && update.variables.role ? update.variables.role : user.role;
  const team = update.isPending && update.variables.team !== undefined ? update.variables.team : user.team;
  return (
    <>
      <tr data-user={user.id} className={user.disabled ? 'muted' : undefined}>
        <th scope="row">
          {user.displayName ?? user.email}
          {user.displayName ? <div className="muted">{user.email}</div> : null}
        </th>
        <td>
          <select
            aria-label={`Role of ${user.email}`}
            value={role}
            disabled={update.isPending}
            onChange={(e) => update.mutate({ role: userRoleSchema.parse(e.target.value) })}
          >
            {USER_ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </td>
        <td>
          <select aria-label={`Team of ${user.email}`} value={team ?? ''} disabled={update.isPending} onChange={(e) => update.mutate({ team: e.target.value || null })}>
            <TeamChoices teams={teams} current={team} />
          </select>
        </td>
        <td>{user.memberships.length > 0 ? formatMemberships(user.memberships) : <span className="muted">{formatMemberships(user.memberships)}</span>}</td>
        <td>{formatAccess(user.access)}</td>
        <td>
          {user.passwordSignIn ? 'password' : 'single sign-on only'}
          {user.ssoLinked ? <div className="muted">single sign-on linked</div> : null}
          <div className="muted">{user.lastSignInAt ? `last ${formatDateTime(user.lastSignInAt)}` : 'never signed in'}</div>
        </td>
        <td>
          <span className={`badge ${user.disabled ? 'bad' : 'ok'}`}>{user.disabled ? 'disabled' : 'active'}</span>
          <div className="row-action">
            <button type="button" ref={editButton} onClick={() => setEditing(true)} aria-label={`Edit ${user.email}`} aria-expanded={editing}>
              Edit
            </button>{' '}
            {user.disabled ? (
              <button type="button" onClick={() => update.mutate({ disabled: false })} disabled={update.isPending} aria-label={`Enable ${user.email}`}>
                Enable
              </button>
            ) : confirming ? (
              <span role="group" aria-label={`Confirm disabling ${user.email}`}>
                They are signed out at once.{' '}
                <button type="button" className="danger" onClick={() => update.mutate({ disabled: true })} disabled={update.isPending} autoFocus>
                  Disable {user.email}
                </button>{' '}
                <button type="button" onClick={() => setConfirming(false)}>
                  Cancel
                </button>
              </span>
            ) : (
              <button type="button" className="danger" onClick={() => setConfirming(true)} aria-label={`Disable ${user.email}`}>
                Disable
              </button>
            )}
          </div>
        </td>
      </tr>
      {editing ? (
        <tr className="user-edit">
          <td colSpan={USER_COLUMNS}>
            <EditUserForm
              user={user}
              onClose={() => {
                setEditing(false);
                editButton.current?.focus();
              }}
              onSaved={(text) => {
                setEditing(false);
                onOutcome({ ok: true, text });
              }}
            />
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** What an edit did, in words; a new password ends the user's sessions (the server's rule). */
function editOutcome(after: User, body: UpdateUserRequest): string {
  const parts: string[] = [];
  if (body.displayName !== undefined) parts.push(after.displayName ? `${who(after)}: name saved` : `${after.email} has no name now`);
  if (body.password !== undefined) parts.push(`${parts.length ? 'new password set' : `${who(after)}: new password set`}, their sessions ended and they sign in with it from now on`);
  return `${parts.join('; ')}.`;
}

/** An admin sets a user's name (empty removes it) or a new password; only what changed is sent. */
function EditUserForm({ user, onClose, onSaved }: { user: User; onClose: () => void; onSaved: (text: string) => void }) {
  const id = useId();
  const queryClient = useQueryClient();
  const [displayName, setDisplayName] = useState(user.displayName ?? '');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string>();
  const save = useMutation({
    mutationFn: (body: UpdateUserRequest) => updateUser(user.id, body),
    onSuccess: (after, body) => {
      void queryClient.invalidateQueries({ queryKey: settingsKeys.users });
      void queryClient.invalidateQueries({ queryKey: settingsKeys.audit });
      onSaved(editOutcome(after, body));
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const name = displayName.trim();
    const body: UpdateUserRequest = {
      ...(name !== (user.displayName ?? '') ? { displayName: name || null } : {}),
      ...(password ? { password } : {}),
    };
    if (Object.keys(body).length === 0) {
      setProblem('Nothing to save: change the name or type a new password.');
      return;
    }
    setProblem(undefined);
    save.mutate(body);
  };
  const error = problem ?? (save.isError ? save.error.message : undefined);
  return (
    <form onSubmit={submit} aria-label={`Edit ${user.email}`}>
      <div className="inline-form">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} value={displayName} onChange={(e) => setDisplayName(e.target.value)} maxLength={200} autoComplete="off" autoFocus />
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>New password (optional)</label>
          <input
            id={`${id}-password`}
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            minLength={12}
            autoComplete="new-password"
            aria-describedby={`${id}-password-help`}
          />
        </div>
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
        <button type="button" onClick={onClose} disabled={save.isPending}>
          Cancel
        </button>
      </div>
      <p id={`${id}-password-help`} className="help">
        A new password needs at least 12 characters; setting one signs them out everywhere. Give it to them through a safe channel
        {user.passwordSignIn ? '' : '; with it they may also sign in with a password, besides single sign-on'}.
      </p>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}

function CreateUserForm({ teams }: { teams: TeamOption[] }) {
  const id = useId();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<UserRole>('member');
  const [team, setTeam] = useState('');
  const [signIn, setSignIn] = useState<'password' | 'sso'>('password');
  const [password, setPassword] = useState('');
  const create = useMutation({
    mutationFn: createUser,
    onSuccess: () => {
      setEmail('');
      setDisplayName('');
      setPassword('');
      setTeam('');
      void queryClient.invalidateQueries({ queryKey: settingsKeys.users });
      void queryClient.invalidateQueries({ queryKey: settingsKeys.audit });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({
      email: email.trim(),
      role,
      ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
      ...(team ? { team } : {}),
      ...(signIn === 'password' ? { password } : {}),
    });
  };
  return (
    <form onSubmit={submit} aria-label="Create a user">
      <div className="inline-form">
        <div className="field">
          <label htmlFor={`${id}-email`}>Email</label>
          <input id={`${id}-email`} type="email" value={email} onChange={(e) => setEmail(e.target.value)} required maxLength={320} autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name (optional)</label>
          <input id={`${id}-name`} value={displayName} onChange={(e) => setDisplayName(e.target.value)} maxLength={200} autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor={`${id}-role`}>Role</label>
          <select id={`${id}-role`} value={role} onChange={(e) => setRole(userRoleSchema.parse(e.target.value))} aria-describedby={`${id}-role-help`}>
            {USER_ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-team`}>Own team (optional)</label>
          <select id={`${id}-team`} value={team} onChange={(e) => setTeam(e.target.value)} aria-describedby={`${id}-team-help`}>
            <TeamChoices teams={teams} current={null} />
          </select>
        </div>
        <fieldset className="choice">
          <legend>Signs in with</legend>
          <label>
            <input type="radio" name={`${id}-sign-in`} value="password" checked={signIn === 'password'} onChange={() => setSignIn('password')} /> a password
          </label>
          <label>
            <input type="radio" name={`${id}-sign-in`} value="sso" checked={signIn === 'sso'} onChange={() => setSignIn('sso')} /> single sign-on only
          </label>
        </fieldset>
        {signIn === 'password' ? (
          <div className="field">
            <label htmlFor={`${id}-password`}>Password</label>
            <input
              id={`${id}-password`}
              type="password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
              minLength={12}
              autoComplete="new-password"
              aria-describedby={`${id}-password-help`}
            />
          </div>
        ) : null}
        <button type="submit" className="primary" disabled={create.isPending || !email.trim()}>
          {create.isPending ? 'Creating…' : 'Create user'}
        </button>
      </div>
      <p id={`${id}-role-help`} className="help">
        {role}: {ROLE_HELP[role]}.{' '}
        <span id={`${id}-team-help`}>
          {role === 'lead' || role === 'member'
            ? `Own team: one of their teams besides their teams file memberships${role === 'lead' ? '; they lead it' : ''}.`
            : `Own team: ${role}s see every team anyway.`}
        </span>
        {signIn === 'password' ? (
          <span id={`${id}-password-help`}> The password needs at least 12 characters; give it to them through a safe channel.</span>
        ) : (
          <> They sign in through your identity provider with this email.</>
        )}
      </p>
      {create.data ? (
        <p role="status">
          {who(create.data)} can sign in as {create.data.role}
          {create.data.team ? ` of team ${create.data.team}` : ''} {create.data.passwordSignIn ? 'with their password' : 'through single sign-on'}.
        </p>
      ) : null}
      {create.isError ? (
        <p className="form-error" role="alert">
          {create.error.message}
        </p>
      ) : null}
    </form>
  );
}
