import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  demoLoadRequestSchema,
  createIntegrationRequestSchema,
  createTokenRequestSchema,
  createUserRequestSchema,
  importUsageRequestSchema,
  pullUsageRequestSchema,
  rotateSecretRequestSchema,
  updateUserRequestSchema,
  type ApiToken,
  type Integration,
  type IntegrationWithSecret,
  type TeamSummary,
  type User,
} from '@loopmeter/shared';
import type { z } from 'zod';
import { AppConfig, ConfigValidationError } from '../core/config/app-config';
import { DataDirInUseError } from '../core/database/data-dir-lock';
import { AppException } from '../core/errors/app.exception';
import { CliError, openCliBackend, type CliBackend } from './cli-backend';

const USAGE = `Loopmeter operator CLI

Usage: npm run cli -- <command> [options]

Commands:
  token create --name <name> --scope admin|ingest|read [--team <team>] [--role executive|lead|member]
                               Create an API token and print it (shown once). A read token's role
                               is its data scope (default: executive, or member with --team).
  token list                   List API tokens (never their secrets).
  token revoke <id>            Revoke an API token.

  user create --email <email> --role admin|executive|lead|member [--team <team>] [--name <name>]
              [--password-stdin]
                               Create a user who signs in. With --password-stdin the password is the
                               first line of stdin (printf '%s\n' "$PW" | npm run cli -- user create ...);
                               without it the user signs in through single sign-on only. --team adds a
                               team of theirs besides the teams file (a lead leads it).
  user list                    List users: role, team, sign-in method, last sign-in, status.
  user set-role <email|id> --role admin|executive|lead|member [--team <team>]
                               Change a user's role (and team); their sessions end.
  user disable <email|id>      Stop a user signing in; their sessions end at once.
  user enable <email|id>       Let a disabled user sign in again.

  integration create --kind github|gitlab|jira|linear --name <name> [--secret <s>] [--unsigned]
                               Connect a webhook source; prints its webhook URL and secret (shown once).
  integration list             List integrations.
  integration rotate <id> [--secret <s>] [--grace-hours <h>]
                               New secret; the previous one stays valid for the grace (default 24 h).
  integration disable <id>     Refuse its deliveries (404) until enabled again.
  integration enable <id>

  teams import <file.yaml>     Import the teams file (docs/teams.md): teams, their members and the
                               members' accounts at each source. The file is the whole membership
                               of the teams it lists.
  teams list                   List teams with their member counts.

  reprocess                    Rebuild every domain table and experiment from the raw store.
  rollups rebuild              Recompute every rollup row (the pipeline keeps them up to date itself).

  demo load [--scale demo|<events>] [--seed <n>]
                               Load the demo workspace (a synthetic org, docs/benchmarks.md#generator):
                               through the running server's endpoints, or in bulk without one.
  demo remove                  Remove the demo's raw events, integrations and tokens ('demo …').

  usage import --vendor copilot|claude-code <file>...
                               Import vendor usage reports as daily usage facts: GitHub Copilot usage
                               metrics NDJSON reports, or Claude Code Analytics API answers. Several
                               files of one day's report are read as one. Importing a day again
                               replaces its facts.
  usage pull --vendor copilot|claude-code --since <YYYY-MM-DD> [--until <YYYY-MM-DD>]
                               Pull the reports from the vendor API with the key configured on the
                               server (docs/sources/agents.md); until defaults to yesterday (UTC).

Options:
  --json                       Print JSON instead of text.
  -h, --help                   Show this help.

With DATABASE_URL set the CLI works on that PostgreSQL directly. Without it, it uses the embedded
database in DATA_DIR: through the running server when one is running, directly otherwise.
`;

type Out = { stdout: (s: string) => void; stderr: (s: string) => void };
type Env = Record<string, string | undefined>;
type Values = {
  name?: string;
  email?: string;
  'password-stdin'?: boolean;
  scope?: string;
  team?: string;
  role?: string;
  kind?: string;
  secret?: string;
  unsigned?: boolean;
  'grace-hours'?: string;
  vendor?: string;
  since?: string;
  until?: string;
  scale?: string;
  seed?: string;
  json?: boolean;
};

class UsageError extends Error {}

/** What the CLI reads besides its arguments (a password given on stdin). */
export interface CliInput {
  readStdin(): Promise<string>;
}

type Runner = (backend: CliBackend, out: Out, json: boolean) => Promise<void>;

/** Each command: check its arguments (before touching the database), then run against the backend. */
interface Command {
  prepare(values: Values, args: string[], env: Env, input: CliInput): Runner | Promise<Runner>;
}

function parseWith<T extends z.ZodType>(schema: T, input: unknown, command: string): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new UsageError(`${command}: ${parsed.error.issues.map((i) => `${i.path.length ? `--${i.path.join('.')}: ` : ''}${i.message}`).join('; ')}`);
  return parsed.data;
}

function requireId(args: string[], command: string): string {
  if (!args[0]) throw new UsageError(`${command}: give the id (see the list command).`);
  return args[0];
}

const print = (out: Out, json: boolean, value: unknown, text: string) => out.stdout(json ? `${JSON.stringify(value)}\n` : text);

const COMMANDS: Record<string, Command> = {
  'token create': {
    prepare(values) {
      const request = parseWith(createTokenRequestSchema, { name: values.name, scope: values.scope, team: values.team, role: values.role }, 'token create');
      return async (backend, out, json) => {
        const created = await backend.createToken(request);
        if (json) return print(out, true, created, '');
        out.stderr(`Created ${created.scope} token "${created.name}" (id ${created.id}) via ${backend.description}.\nStore it now: it is not shown again.\n`);
        out.stdout(`${created.token}\n`);
      };
    },
  },
  'token list': { prepare: () => async (backend, out, json) => { const tokens = await backend.listTokens(); print(out, json, tokens, formatTokens(tokens)); } },
  'token revoke': {
    prepare(_values, args) {
      const id = requireId(args, 'token revoke');
      return async (backend, out, json) => {
        const revoked = await backend.revokeToken(id);
        print(out, json, revoked, `Revoked token "${revoked.name}" (id ${revoked.id}).\n`);
      };
    },
  },
  'integration create': {
    prepare(values) {
      const request = parseWith(createIntegrationRequestSchema, { kind: values.kind, name: values.name, secret: values.secret, unsigned: values.unsigned || undefined }, 'integration create');
      return async (backend, out, json) => {
        const created = await backend.createIntegration(request);
        print(out, json, created, formatSecret(created, `Created ${created.kind} integration "${created.name}" (id ${created.id}) via ${backend.description}.`));
      };
    },
  },
  'integration list': { prepare: () => async (backend, out, json) => { const items = await backend.listIntegrations(); print(out, json, items, formatIntegrations(items)); } },
  'integration rotate': {
    prepare(values, args) {
      const id = requireId(args, 'integration rotate');
      const grace = values['grace-hours'] === undefined ? undefined : Number(values['grace-hours']);
      const request = parseWith(rotateSecretRequestSchema, { secret: values.secret, graceHours: grace }, 'integration rotate');
      return async (backend, out, json) => {
        const rotated = await backend.rotateIntegrationSecret(id, request);
        print(out, json, rotated, formatSecret(rotated, `New secret for "${rotated.name}"; the previous one is accepted until ${rotated.previousSecretExpiresAt ?? 'now (no grace)'}.`));
      };
    },
  },
  'teams import': {
    prepare(_values, args, env) {
      const file = args[0];
      if (!file) throw new UsageError('teams import: give the teams file, e.g. npm run cli -- teams import teams.yaml (see docs/teams.md).');
      let yaml: string;
      try {
        // `npm run` starts the CLI in the project folder; a relative path means the caller's folder.
        yaml = readFileSync(resolve(env.INIT_CWD ?? process.cwd(), file), 'utf8');
      } catch (e) {
        throw new UsageError(`teams import: cannot read ${file}: ${(e as Error).message}`);
      }
      return async (backend, out, json) => {
        const report = await backend.importTeams({ yaml });
        print(
          out,
          json,
          report,
          `Imported ${report.teams} teams, ${report.people} people and ${report.mappings} account mappings from ${file} via ${backend.description}; removed ${report.removedMemberships} memberships.\n`,
        );
      };
    },
  },
  'teams list': { prepare: () => async (backend, out, json) => { const teams = await backend.listTeams(); print(out, json, teams, formatTeams(teams)); } },
  'rollups rebuild': {
    prepare: () => async (backend, out, json) => {
      const report = await backend.rebuildRollups();
      print(out, json, report, `Rebuilt ${report.rows} rollup rows from ${report.keys.experiments + report.keys.deployments + report.keys.prs + report.keys.agents + report.keys.adoption} (team, day) keys in ${report.tookMs} ms via ${backend.description}.\n`);
    },
  },
  'demo load': {
    prepare(values) {
      const scale = values.scale === undefined || values.scale === 'demo' ? 'demo' : Number(values.scale);
      const request = parseWith(demoLoadRequestSchema, { scale, seed: values.seed === undefined ? undefined : Number(values.seed) }, 'demo load');
      return async (backend, out, json) => {
        out.stderr(`Generating and loading the demo org (${String(request.scale)}) via ${backend.description}…\n`);
        const report = await backend.loadDemo(request);
        const refused = report.failures.length ? `\nRefused: ${report.failures.join('\n')}` : '';
        print(out, json, report, `Loaded ${report.events} demo deliveries (${report.mode}) in ${report.tookMs} ms; answers ${JSON.stringify(report.statuses)}. The pipeline processes them now.${refused}\n`);
      };
    },
  },
  'demo remove': {
    prepare: () => async (backend, out, json) => {
      const report = await backend.removeDemo();
      print(out, json, report, `Removed ${report.rawEvents} demo raw events, ${report.integrations} integrations and ${report.tokens} tokens; reprocessed the ${report.reprocessed} raw events left.\n`);
    },
  },
  'reprocess ': {
    prepare: () => async (backend, out, json) => {
      const bar = progressBar(out);
      const result = await backend.reprocess(bar);
      print(out, json, result, `Reprocessed ${result.total} raw events via ${backend.description}.\n`);
    },
  },
  'usage import': {
    prepare(values, args, env) {
      if (args.length === 0) throw new UsageError('usage import: give the report file(s), e.g. npm run cli -- usage import --vendor copilot users-1-day.ndjson');
      const files = args.map((file) => {
        try {
          return readFileSync(resolve(env.INIT_CWD ?? process.cwd(), file), 'utf8');
        } catch (e) {
          throw new UsageError(`usage import: cannot read ${file}: ${(e as Error).message}`);
        }
      });
      // The files of one report are read as one (NDJSON concatenated; a lone file as it is).
      const content = files.length === 1 ? files[0] : files.map((f) => (f.endsWith('\n') ? f : `${f}\n`)).join('');
      const request = parseWith(importUsageRequestSchema, { vendor: values.vendor, content }, 'usage import');
      return async (backend, out, json) => {
        const result = await backend.importUsage(request);
        const days = result.days.length === 0 ? 'no day' : result.days.length === 1 ? result.days[0] : `${result.days[0]} to ${result.days[result.days.length - 1]}`;
        const what = `${result.records} ${result.vendor} records for ${days}: ${result.facts.user} user rows, ${result.facts.organization} organization rows, ${result.facts.teamMemberships} team memberships`;
        print(out, json, result, result.stored ? `Imported ${what} via ${backend.description}.\n` : `Already imported (unchanged): ${what}.\n`);
      };
    },
  },
  'usage pull': {
    prepare(values) {
      const request = parseWith(pullUsageRequestSchema, { vendor: values.vendor, since: values.since, until: values.until }, 'usage pull');
      return async (backend, out, json) => {
        const result = await backend.pullUsage(request, ({ day, done, total }) => out.stderr(`${day}: ${done}/${total} days\n`));
        print(
          out,
          json,
          result,
          `Pulled ${result.days} day(s) of ${result.vendor} usage (${result.since} to ${result.until}) via ${backend.description}: ` +
            `${result.stored} new report(s), ${result.unchanged} unchanged, ${result.records} records, ${result.requests} requests.\n`,
        );
      };
    },
  },
  'user create': {
    async prepare(values, _args, _env, input) {
      const password = values['password-stdin'] ? await passwordFromStdin(input, 'user create') : undefined;
      const request = parseWith(createUserRequestSchema, { email: values.email, role: values.role, team: values.team, displayName: values.name, password }, 'user create');
      return async (backend, out, json) => {
        const user = await backend.createUser(request);
        const team = user.team ? `, team ${user.team}` : '';
        const how = user.passwordSignIn ? 'with a password' : 'single sign-on only';
        print(out, json, user, `Created ${user.role} user ${user.email} (id ${user.id})${team}, ${how}, via ${backend.description}.\n`);
      };
    },
  },
  'user list': { prepare: () => async (backend, out, json) => { const users = await backend.listUsers(); print(out, json, users, formatUsers(users)); } },
  'user set-role': {
    prepare(values, args) {
      const ref = requireUser(args, 'user set-role');
      if (values.role === undefined) throw new UsageError('user set-role: give the new role with --role admin|executive|lead|member.');
      const request = parseWith(updateUserRequestSchema, { role: values.role, team: values.team }, 'user set-role');
      return async (backend, out, json) => {
        const user = await backend.updateUser((await findUser(backend, ref)).id, request);
        print(out, json, user, `${user.email} is now ${user.role}${user.team ? ` (team ${user.team})` : ''}.\n`);
      };
    },
  },
  'user disable': userStatusCommand(true),
  'user enable': userStatusCommand(false),
  'integration disable': statusCommand('disabled'),
  'integration enable': statusCommand('active'),
};

function userStatusCommand(disabled: boolean): Command {
  const name = disabled ? 'user disable' : 'user enable';
  return {
    prepare(_values, args) {
      const ref = requireUser(args, name);
      return async (backend, out, json) => {
        const user = await backend.updateUser((await findUser(backend, ref)).id, { disabled });
        print(out, json, user, disabled ? `${user.email} is now disabled: they cannot sign in, and their sessions have ended.\n` : `${user.email} may sign in again.\n`);
      };
    },
  };
}

function requireUser(args: string[], command: string): string {
  if (!args[0]) throw new UsageError(`${command}: give the user's email or id (see user list).`);
  return args[0];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A user by id, or by email (case-insensitive). */
async function findUser(backend: CliBackend, ref: string): Promise<User> {
  const users = await backend.listUsers();
  const user = UUID.test(ref) ? users.find((u) => u.id === ref.toLowerCase()) : users.find((u) => u.email === ref.trim().toLowerCase());
  if (!user) throw new CliError(UUID.test(ref) ? `No user with id ${ref}.` : `No user with the email ${ref}. See: npm run cli -- user list`);
  return user;
}

/** The first line of stdin, without its line ending: never an argument, which other users could see in `ps`. */
async function passwordFromStdin(input: CliInput, command: string): Promise<string> {
  const text = await input.readStdin();
  const password = text.split(/\r?\n/)[0];
  if (!password) throw new UsageError(`${command}: --password-stdin found no password on stdin (pipe it in: printf '%s\\n' "$PW" | npm run cli -- ${command} ...).`);
  return password;
}

function statusCommand(status: 'active' | 'disabled'): Command {
  return {
    prepare(_values, args) {
      const id = requireId(args, `integration ${status === 'active' ? 'enable' : 'disable'}`);
      return async (backend, out, json) => {
        const updated = await backend.updateIntegration(id, { status });
        print(out, json, updated, `Integration "${updated.name}" (id ${updated.id}) is now ${updated.status}.\n`);
      };
    },
  };
}

export async function runCli(argv: string[], env: Env, out: Out, input: CliInput = { readStdin: readProcessStdin }): Promise<number> {
  let values: Values & { help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        name: { type: 'string' },
        email: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        scope: { type: 'string' },
        team: { type: 'string' },
        role: { type: 'string' },
        kind: { type: 'string' },
        secret: { type: 'string' },
        unsigned: { type: 'boolean' },
        'grace-hours': { type: 'string' },
        vendor: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        scale: { type: 'string' },
        seed: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    out.stderr(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help || positionals.length === 0) {
    out.stdout(USAGE);
    return values.help ? 0 : 2;
  }
  const [group, name, ...args] = positionals;
  const command = COMMANDS[`${group} ${name ?? ''}`];
  if (!command) {
    out.stderr(`Unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
    return 2;
  }
  let run;
  try {
    run = await command.prepare(values, args, env, input);
  } catch (e) {
    if (e instanceof UsageError) {
      out.stderr(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const backend = await openCliBackend(AppConfig.fromEnv(env));
  try {
    await run(backend, out, values.json ?? false);
    return 0;
  } finally {
    await backend.close();
  }
}

/** A progress bar on stderr: redrawn in place on a terminal, a line per 10% otherwise. */
function progressBar(out: Out): (p: { done: number; total: number }) => void {
  const tty = process.stderr.isTTY === true;
  let lastDecile = -1;
  return ({ done, total }) => {
    const ratio = total === 0 ? 1 : done / total;
    const width = 30;
    const filled = Math.round(ratio * width);
    const line = `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${Math.round(ratio * 100)}% ${done}/${total}`;
    if (tty) out.stderr(`\r${line}${done >= total ? '\n' : ''}`);
    else if (Math.floor(ratio * 10) !== lastDecile) {
      lastDecile = Math.floor(ratio * 10);
      out.stderr(`${line}\n`);
    }
  };
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n';
}

function formatTokens(tokens: ApiToken[]): string {
  if (tokens.length === 0) return 'No API tokens yet. Create one with: npm run cli -- token create --name <name> --scope admin\n';
  return table(
    ['ID', 'NAME', 'SCOPE', 'ROLE', 'TEAM', 'PREFIX', 'LAST USED', 'STATUS'],
    tokens.map((t) => [t.id, t.name, t.scope, t.role ?? '-', t.team ?? '-', `${t.prefix}…`, t.lastUsedAt ?? 'never', t.revokedAt ? `revoked ${t.revokedAt}` : 'active']),
  );
}

function formatUsers(users: User[]): string {
  if (users.length === 0) return 'No users yet. Create one with: npm run cli -- user create --email <email> --role admin --password-stdin\n';
  return table(
    ['ID', 'EMAIL', 'ROLE', 'TEAM', 'SIGN-IN', 'LAST SIGN-IN', 'STATUS'],
    users.map((u) => [u.id, u.email, u.role, u.team ?? '-', u.passwordSignIn ? (u.ssoLinked ? 'password, sso' : 'password') : 'sso only', u.lastSignInAt ?? 'never', u.disabled ? 'disabled' : 'active']),
  );
}

async function readProcessStdin(): Promise<string> {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) {
    text += chunk as string;
    // Only the first line is the password: do not wait for more.
    if (text.includes('\n')) break;
  }
  return text;
}

function formatIntegrations(items: Integration[]): string {
  if (items.length === 0) return 'No integrations yet. Create one with: npm run cli -- integration create --kind github --name <name>\n';
  return table(
    ['ID', 'KIND', 'NAME', 'STATUS', 'LAST DELIVERY', 'WEBHOOK URL'],
    items.map((i) => [i.id, i.kind, i.name, i.status, i.lastDeliveryAt ?? 'never', i.webhookUrl]),
  );
}

function formatTeams(teams: TeamSummary[]): string {
  if (teams.length === 0) return 'No teams yet. Import them with: npm run cli -- teams import teams.yaml (see docs/teams.md)\n';
  return table(['KEY', 'NAME', 'MEMBERS'], teams.map((t) => [t.key, t.name, String(t.memberCount)]));
}

function formatSecret(integration: IntegrationWithSecret, headline: string): string {
  return `${headline}\nWebhook URL: ${integration.webhookUrl}\nSecret:      ${integration.secret}\nStore the secret now: it is not shown again.\n`;
}

if (require.main === module) {
  runCli(process.argv.slice(2), process.env, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) })
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      const known = error instanceof CliError || error instanceof ConfigValidationError || error instanceof AppException || error instanceof DataDirInUseError;
      process.stderr.write(`error: ${known ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`);
      process.exit(1);
    });
}
