import { useId, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { IdentityReason, TeamSummary } from '@loopmeter/shared/teams';
import { ApiError } from '../../api-client';
import { ChartPanel } from '../../charts/chart-panel';
import { formatCount } from '../../format/format';
import { teamDetailQuery, teamKeys, teamListQuery } from '../teams/api';
import { importTeams, settingsKeys } from './api';

const REASON_LABELS: Record<IdentityReason, string> = {
  mapping: 'mapped in the teams file',
  email: 'same email',
  login: 'their own account',
};

const EXAMPLE = `teams:
  - key: payments
    name: Payments
    members:
      - email: emma@example.com
        role: lead
        github: emma
        jira: 5b10ac8d82e05b22cc7d4ef5`;

/** Teams from the teams file: each with its member count, its members and their source identities on demand, and the import. */
export function TeamsSection() {
  const teams = useQuery(teamListQuery);
  return (
    <ChartPanel
      title="Teams and identities"
      description="Teams, their members and the accounts each member uses at every source come from the teams file (docs/teams.md)."
      query={teams}
      testId="teams-identities"
      className="wide"
    >
      {(data) => (
        <>
          {data.items.length === 0 ? (
            <p>No teams yet: paste the teams file below and import it. Events that name a team still count under that team meanwhile.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Team</th>
                    <th scope="col">Members</th>
                    <th scope="col">
                      <span className="visually-hidden">Members and identities</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((team) => (
                    <TeamRows key={team.key} team={team} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <ImportTeamsForm />
        </>
      )}
    </ChartPanel>
  );
}

function TeamRows({ team }: { team: TeamSummary }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  return (
    <>
      <tr data-team={team.key}>
        <th scope="row">
          {team.name}
          {team.name !== team.key ? (
            <>
              {' '}
              <code>{team.key}</code>
            </>
          ) : null}
        </th>
        <td>{formatCount(team.memberCount)}</td>
        <td>
          <button type="button" className="link-button" aria-expanded={open} aria-controls={open ? `${id}-members` : undefined} onClick={() => setOpen(!open)}>
            {open ? 'Hide members' : 'Show members'}
            <span className="visually-hidden"> of {team.name}</span>
          </button>
        </td>
      </tr>
      {open ? (
        <tr id={`${id}-members`} className="team-members-row">
          <td colSpan={3}>
            <TeamMembers teamKey={team.key} name={team.name} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** Asked only once the team is opened: a team's members could be many, with several identities each. */
function TeamMembers({ teamKey, name }: { teamKey: string; name: string }) {
  const detail = useQuery(teamDetailQuery(teamKey));
  return (
    <ChartPanel
      title={`Members of ${name}`}
      query={detail}
      isEmpty={(d) => d.members.length === 0}
      empty={<p>No members: the teams file lists none for this team.</p>}
      testId={`team-members-${teamKey}`}
      className="flat"
    >
      {(data) => (
        <table>
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Role</th>
              <th scope="col">Identities resolved</th>
              <th scope="col">Accounts in the file</th>
            </tr>
          </thead>
          <tbody>
            {data.members.map((m) => (
              <tr key={m.personId} data-person={m.personId}>
                <th scope="row">
                  {m.displayName}
                  {m.email && m.email !== m.displayName ? <div className="muted">{m.email}</div> : null}
                </th>
                <td>
                  <span className={`badge ${m.role === 'lead' ? 'refine' : ''}`}>{m.role}</span>
                </td>
                <td>
                  {m.identities.length === 0 ? (
                    <span className="muted">none seen yet</span>
                  ) : (
                    <ul className="plain-list">
                      {m.identities.map((i) => (
                        <li key={`${i.source}-${i.externalId}`}>
                          <span className="badge source">{i.source}</span> {i.login ?? i.email ?? i.externalId}
                          {i.name && i.name !== i.login ? <span className="muted"> ({i.name})</span> : null}
                          <span className="muted"> · {REASON_LABELS[i.reason]}</span>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td>
                  {m.mappings.length === 0 ? (
                    <span className="muted">email only</span>
                  ) : (
                    <ul className="plain-list">
                      {m.mappings.map((a) => (
                        <li key={`${a.source}-${a.match}`}>
                          {a.source} <code>{a.match}</code>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </ChartPanel>
  );
}

interface FileIssue {
  path: string;
  message: string;
}

/** The problems of a refused file, each with its place in it (`teams[0].members[2].email`). */
function fileIssues(error: Error): FileIssue[] {
  if (!(error instanceof ApiError) || error.code !== 'invalid_teams_file') return [];
  const details = error.body?.details;
  const issues = typeof details === 'object' && details !== null && 'issues' in details ? details.issues : undefined;
  if (!Array.isArray(issues)) return [];
  return issues.flatMap((i: unknown) =>
    typeof i === 'object' && i !== null && 'path' in i && 'message' in i && typeof i.path === 'string' && typeof i.message === 'string' ? [{ path: i.path, message: i.message }] : [],
  );
}

/** A YAML syntax error: the parser's sentence, its line and column, and the lines it quotes. */
function yamlProblem(error: Error): { sentence: string; line: number; column: number; excerpt: string } | undefined {
  if (!(error instanceof ApiError) || error.code !== 'invalid_yaml') return undefined;
  const [sentence, ...rest] = error.message.split('\n\n');
  const at = /at line (\d+), column (\d+)/.exec(sentence);
  if (!at) return undefined;
  return { sentence: sentence.replace(/:$/, '.'), line: Number(at[1]), column: Number(at[2]), excerpt: rest.join('\n\n').replace(/\n+$/, '') };
}

/** Where line `line`, column `column` (both from 1) starts in the text. */
function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', offset);
    if (next === -1) return text.length;
    offset = next + 1;
  }
  return Math.min(text.length, offset + column - 1);
}

/** The text of a chosen file (FileReader: `Blob.text()` is missing from older engines and from jsdom). */
function readText(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('unreadable'));
    reader.readAsText(file);
  });
}

function ImportTeamsForm() {
  const id = useId();
  const queryClient = useQueryClient();
  const editor = useRef<HTMLTextAreaElement>(null);
  const [yaml, setYaml] = useState('');
  const [fileError, setFileError] = useState<string>();
  const run = useMutation({
    mutationFn: importTeams,
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: teamKeys.all });
      void queryClient.invalidateQueries({ queryKey: settingsKeys.audit });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    run.mutate(yaml);
  };
  const choose = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file) return;
    try {
      setYaml(await readText(file));
      setFileError(undefined);
      run.reset();
    } catch {
      setFileError(`Could not read ${file.name}.`);
    }
  };
  const showLine = (line: number, column: number) => {
    const at = offsetOf(yaml, line, column);
    editor.current?.focus();
    editor.current?.setSelectionRange(at, at);
  };
  const problem = run.error ? yamlProblem(run.error) : undefined;
  const issues = run.error ? fileIssues(run.error) : [];
  return (
    <form className="import-form" onSubmit={submit} aria-label="Import the teams file">
      <h3>Import the teams file</h3>
      <p className="help" id={`${id}-help`}>
        The file is the whole membership of the teams it lists: members left out are removed from those teams; teams it does not list stay as they are. A
        file with a problem is refused as a whole.
      </p>
      <div className="field">
        <label htmlFor={`${id}-yaml`}>Teams file (YAML)</label>
        <textarea
          id={`${id}-yaml`}
          ref={editor}
          value={yaml}
          onChange={(e) => setYaml(e.target.value)}
          rows={10}
          spellCheck={false}
          placeholder={EXAMPLE}
          aria-describedby={`${id}-help`}
          aria-invalid={run.isError || undefined}
          required
        />
      </div>
      <div className="inline-form">
        <div className="field">
          <label htmlFor={`${id}-file`}>Or read it from a file</label>
          <input id={`${id}-file`} type="file" accept=".yaml,.yml,text/yaml,application/yaml" onChange={(e) => void choose(e)} />
        </div>
        <button type="submit" className="primary" disabled={run.isPending || yaml.trim() === ''}>
          {run.isPending ? 'Importing…' : 'Import'}
        </button>
      </div>
      {fileError ? (
        <p className="form-error" role="alert">
          {fileError}
        </p>
      ) : null}
      {run.data ? (
        <p role="status" data-testid="teams-import-report">
          Imported {formatCount(run.data.teams)} {run.data.teams === 1 ? 'team' : 'teams'} and {formatCount(run.data.people)} {run.data.people === 1 ? 'person' : 'people'}, with{' '}
          {formatCount(run.data.mappings)} {run.data.mappings === 1 ? 'account' : 'accounts'} mapped; {formatCount(run.data.removedMemberships)}{' '}
          {run.data.removedMemberships === 1 ? 'membership' : 'memberships'} removed.
        </p>
      ) : null}
      {run.error ? (
        <div className="form-error" role="alert" data-testid="teams-import-error">
          {problem ? (
            <>
              <p>
                {problem.sentence} Nothing was imported.{' '}
                <button type="button" className="link-button" onClick={() => showLine(problem.line, problem.column)}>
                  Go to line {problem.line}
                </button>
              </p>
              {problem.excerpt ? <pre className="error-excerpt">{problem.excerpt}</pre> : null}
            </>
          ) : issues.length > 0 ? (
            <>
              <p>Nothing was imported: the file has {issues.length === 1 ? 'a problem' : `${issues.length} problems`}.</p>
              <ul>
                {issues.map((issue, index) => (
                  <li key={index}>
                    {issue.path ? <code>{issue.path}</code> : 'The document'}: {issue.message}
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p>{run.error.message}</p>
          )}
        </div>
      ) : null}
    </form>
  );
}
