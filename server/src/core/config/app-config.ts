import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_ENVIRONMENT_RULES, parseEnvironmentRules, type EnvironmentRules } from '../../pipeline/project/environment-kind';
import { loadPriceTable, type PriceTable } from '../../agents/pricing/prices';

/**
 * Every setting Loopmeter reads from its environment, with its default, validation and whether it is
 * sensitive (never logged, never echoed). Nothing else in the code base reads `process.env`.
 */
interface Setting<T extends z.ZodType> {
  schema: T;
  description: string;
  sensitive: boolean;
}

function setting<T extends z.ZodType>(schema: T, description: string, sensitive = false): Setting<T> {
  return { schema, description, sensitive };
}

const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);
const splitList = (v: string): string[] => v.split(',').map((x) => x.trim()).filter(Boolean);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());

export const SETTINGS = {
  PORT: setting(z.coerce.number().int().min(0).max(65535).default(3000), 'HTTP port the server listens on.'),
  HOST: setting(z.string().default('127.0.0.1'), 'Address the server binds to (0.0.0.0 in containers).'),
  REQUEST_TIMEOUT_SECONDS: setting(
    z.coerce.number().int('REQUEST_TIMEOUT_SECONDS must be a whole number of seconds').min(0).max(86_400).default(120),
    'Seconds a request may take to arrive completely (headers and body); slower senders get 408 and are disconnected (0: no limit; headers still within 60 s).',
  ),
  DATABASE_URL: setting(
    z.preprocess(emptyToUndefined, z.string().url('DATABASE_URL must be a postgres:// URL').optional()),
    'PostgreSQL connection URL. Unset: an embedded PostgreSQL (PGlite) stored in DATA_DIR.',
    true,
  ),
  DATABASE_POOL_SIZE: setting(z.coerce.number().int().min(1).max(200).default(10), 'Connections to PostgreSQL (the embedded database always uses one).'),
  DATA_DIR: setting(z.string().min(1).default('./data'), 'Folder for the embedded database and local state.'),
  LOOPMETER_ADMIN_TOKEN: setting(
    z.preprocess(emptyToUndefined, z.string().min(24, 'LOOPMETER_ADMIN_TOKEN must be at least 24 characters').optional()),
    'A bearer token accepted with the admin role, for first set-up and automation.',
    true,
  ),
  PUBLIC_URL: setting(
    z.preprocess(emptyToUndefined, z.string().url('PUBLIC_URL must be a URL such as https://loopmeter.example.com').optional()),
    'The address sources use to reach this server, for webhook URLs (default http://localhost:PORT).',
  ),
  LOOPMETER_ENCRYPTION_KEY: setting(
    z.preprocess(
      emptyToUndefined,
      z
        .string()
        .refine((v) => Buffer.from(v, 'base64').length === 32, 'LOOPMETER_ENCRYPTION_KEY must be 32 bytes in base64 (openssl rand -base64 32)')
        .optional(),
    ),
    'Key that encrypts webhook secrets at rest. Unset: a key generated in DATA_DIR/encryption.key (mode 0600).',
    true,
  ),
  LOOPMETER_INSIGHT_LABELS: setting(
    z.string().default('customer-request,insight,feedback'),
    'Labels (comma-separated, case-insensitive) that make a work item an insight.',
  ),
  LOOPMETER_ENVIRONMENT_RULES: setting(
    z.preprocess(
      emptyToUndefined,
      z
        .string()
        .superRefine((v, ctx) => {
          try {
            parseEnvironmentRules(v);
          } catch (e) {
            ctx.addIssue({ code: 'custom', message: (e as Error).message });
          }
        })
        .optional(),
    ),
    'How deployment environment names map to kinds, e.g. `preview=^pr-|^review/;staging=^stg$;production=^prd$` (default: preview*, review/*, pr-* → preview; stag*, uat, qa → staging; prod*, live → production).',
  ),
  PIPELINE_WORKER: setting(z.enum(['on', 'off']).default('on'), 'Run the pipeline worker inside the server (off: run `npm run worker` separately).'),
  PIPELINE_BATCH_SIZE: setting(z.coerce.number().int().min(1).max(50_000).default(500), 'Raw events the pipeline claims per batch (one transaction).'),
  PIPELINE_MAX_BATCH_SIZE: setting(
    z.coerce.number().int().min(1).max(50_000).default(5_000),
    'While batches come back full (a deep queue), each next batch doubles, up to this many raw events (at least PIPELINE_BATCH_SIZE).',
  ),
  PIPELINE_BACKLOG_REFRESH_FACTOR: setting(
    z.coerce.number().min(0).max(1_000).default(4),
    'While batches come back full, an org\'s rollups are recomputed once the batches since the last refresh took this many times as long as it did (0: every batch; docs/pipeline.md).',
  ),
  LOG_LEVEL: setting(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), 'Log level of the JSON logs.'),
  WEB_DIST_DIR: setting(optionalString, 'Folder of the built web app (default: web/dist of this checkout).'),
  LOOPMETER_STORE_PROMPTS: setting(
    z.enum(['true', 'false']).default('false'),
    'Keep prompt text, tool arguments and tool output in stored OTLP exports (false: removed before the raw store).',
  ),
  LOOPMETER_PRICES_FILE: setting(
    z.preprocess(
      emptyToUndefined,
      z
        .string()
        .superRefine((file, ctx) => {
          try {
            loadPriceTable(resolve(file));
          } catch (e) {
            ctx.addIssue({ code: 'custom', message: (e as Error).message });
          }
        })
        .optional(),
    ),
    'JSON file of model prices ($ per million tokens) added to the default price table, for computed agent costs (docs/sources/agents.md).',
  ),
  LOOPMETER_ANTHROPIC_API_URL: setting(
    z.string().url('LOOPMETER_ANTHROPIC_API_URL must be a URL').default('https://api.anthropic.com'),
    'Base URL of the Anthropic API, for `usage pull --vendor claude-code`.',
  ),
  LOOPMETER_ANTHROPIC_ADMIN_KEY: setting(optionalString, 'Anthropic Admin API key (sk-ant-admin...) for the Claude Code Analytics API.', true),
  LOOPMETER_GITHUB_API_URL: setting(
    z.string().url('LOOPMETER_GITHUB_API_URL must be a URL').default('https://api.github.com'),
    'Base URL of the GitHub REST API, for `usage pull --vendor copilot` (https://api.SUBDOMAIN.ghe.com on GHE.com).',
  ),
  LOOPMETER_COPILOT_METRICS_TOKEN: setting(optionalString, 'GitHub token that may read the organization\'s Copilot usage metrics reports.', true),
  LOOPMETER_COPILOT_ORG: setting(optionalString, 'GitHub organization whose Copilot usage metrics reports are pulled.'),
  REGRESSIONS_INTERVAL_MINUTES: setting(
    z.coerce.number().int().min(0).max(10_080).default(60),
    'Minutes between scheduled regression detection runs in the server (0: only on demand, POST /api/regressions/run).',
  ),
  ALERT_RETRY_BASE_SECONDS: setting(
    z.coerce.number().min(0.01).max(3600).default(30),
    'First retry delay of a failed alert delivery; it doubles with each attempt, up to an hour.',
  ),
  ALERT_MAX_ATTEMPTS: setting(z.coerce.number().int().min(1).max(50).default(10), 'Attempts per alert delivery before it is marked failed.'),
  LOOPMETER_ADMIN_EMAIL: setting(
    z.preprocess(emptyToUndefined, z.string().email('LOOPMETER_ADMIN_EMAIL must be an email address').optional()),
    'With LOOPMETER_ADMIN_PASSWORD: the first admin user, created at start when no admin exists (unattended set-up).',
  ),
  LOOPMETER_ADMIN_PASSWORD: setting(
    z.preprocess(
      emptyToUndefined,
      z
        .string()
        .min(12, 'LOOPMETER_ADMIN_PASSWORD must be at least 12 characters')
        .refine((p) => Buffer.byteLength(p, 'utf8') <= 72, 'LOOPMETER_ADMIN_PASSWORD must be at most 72 bytes')
        .optional(),
    ),
    'The password of LOOPMETER_ADMIN_EMAIL (used only to create that admin).',
    true,
  ),
  PASSWORD_SIGN_IN: setting(z.enum(['on', 'off']).default('on'), 'Allow signing in with email and password (off: single sign-on only; set-up still works).'),
  SESSION_TTL_HOURS: setting(z.coerce.number().min(0.05).max(24 * 30).default(12), 'How long a sign-in lasts, in hours.'),
  CORS_ORIGINS: setting(
    z
      .string()
      .default('')
      .refine((v) => splitList(v).every((o) => /^https?:\/\/[^/]+$/.test(o)), 'CORS_ORIGINS must be comma-separated origins such as https://dash.example.com'),
    'Other web origins allowed to call the API from a browser (comma-separated). Default: none.',
  ),
  OIDC_ISSUER_URL: setting(
    z.preprocess(emptyToUndefined, z.string().url('OIDC_ISSUER_URL must be the issuer URL of your identity provider').optional()),
    'Single sign-on: the OpenID Connect issuer (its /.well-known/openid-configuration is read).',
  ),
  OIDC_CLIENT_ID: setting(optionalString, 'Single sign-on: the client id registered at the identity provider.'),
  OIDC_CLIENT_SECRET: setting(optionalString, 'Single sign-on: the client secret.', true),
  OIDC_SCOPES: setting(z.string().default('openid email profile'), 'Single sign-on: the scopes asked for (openid is always included).'),
  OIDC_REDIRECT_URL: setting(
    z.preprocess(emptyToUndefined, z.string().url('OIDC_REDIRECT_URL must be a URL').optional()),
    'Single sign-on: the redirect URL registered at the provider (default PUBLIC_URL/api/auth/oidc/callback).',
  ),
  OIDC_AUTO_CREATE_USERS: setting(
    z.enum(['on', 'off']).default('off'),
    'Single sign-on: create an unknown signed-in person as a member (off: only users an admin created may sign in).',
  ),
} as const;

type Settings = typeof SETTINGS;
export type RawConfig = { [K in keyof Settings]: z.output<Settings[K]['schema']> };

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The validated configuration. Built once at start from the environment. */
export class AppConfig {
  readonly port: number;
  readonly host: string;
  /** Seconds a request may take to arrive completely (0: no limit). */
  readonly requestTimeoutSeconds: number;
  readonly databaseUrl: string | undefined;
  readonly databasePoolSize: number;
  readonly dataDir: string;
  readonly adminToken: string | undefined;
  readonly logLevel: RawConfig['LOG_LEVEL'];
  readonly webDistDir: string;
  readonly publicUrl: string;
  readonly insightLabels: ReadonlySet<string>;
  readonly pipelineWorker: boolean;
  readonly pipelineBatchSize: number;
  /** Batches grow up to this size while the queue is deep. */
  readonly pipelineMaxBatchSize: number;
  /** During a backlog, the rollup refresh waits this many times its own duration (0: every batch). */
  readonly pipelineBacklogRefreshFactor: number;
  readonly environmentRules: EnvironmentRules;
  readonly encryptionKey: Buffer | undefined;
  /** 0: no scheduled regression runs. */
  readonly regressionsIntervalMinutes: number;
  readonly alertRetryBaseMs: number;
  readonly alertMaxAttempts: number;
  readonly version: string;
  readonly initialAdmin: { email: string; password: string } | undefined;
  readonly passwordSignIn: boolean;
  readonly sessionTtlMs: number;
  readonly corsOrigins: readonly string[];
  readonly oidc: OidcSettings | undefined;
  /** Keep prompt text, tool arguments and outputs in stored OTLP exports. */
  readonly storePrompts: boolean;
  /** Model prices for computed agent costs. */
  readonly prices: PriceTable;
  /** Vendor usage APIs (`usage pull`). */
  readonly usageApis: UsageApiSettings;

  constructor(raw: RawConfig, version: string) {
    this.port = raw.PORT;
    this.host = raw.HOST;
    this.requestTimeoutSeconds = raw.REQUEST_TIMEOUT_SECONDS;
    this.databaseUrl = raw.DATABASE_URL;
    this.databasePoolSize = raw.DATABASE_POOL_SIZE;
    this.dataDir = isAbsolute(raw.DATA_DIR) ? raw.DATA_DIR : resolve(raw.DATA_DIR);
    this.adminToken = raw.LOOPMETER_ADMIN_TOKEN;
    this.logLevel = raw.LOG_LEVEL;
    this.webDistDir = raw.WEB_DIST_DIR ? resolve(raw.WEB_DIST_DIR) : resolve(__dirname, '../../../../web/dist');
    this.publicUrl = (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, '');
    this.insightLabels = new Set(raw.LOOPMETER_INSIGHT_LABELS.split(',').map((l) => l.trim().toLowerCase()).filter(Boolean));
    this.pipelineWorker = raw.PIPELINE_WORKER === 'on';
    this.pipelineBatchSize = raw.PIPELINE_BATCH_SIZE;
    this.pipelineMaxBatchSize = Math.max(raw.PIPELINE_MAX_BATCH_SIZE, raw.PIPELINE_BATCH_SIZE);
    this.pipelineBacklogRefreshFactor = raw.PIPELINE_BACKLOG_REFRESH_FACTOR;
    this.environmentRules = raw.LOOPMETER_ENVIRONMENT_RULES ? parseEnvironmentRules(raw.LOOPMETER_ENVIRONMENT_RULES) : DEFAULT_ENVIRONMENT_RULES;
    this.encryptionKey = raw.LOOPMETER_ENCRYPTION_KEY ? Buffer.from(raw.LOOPMETER_ENCRYPTION_KEY, 'base64') : undefined;
    this.regressionsIntervalMinutes = raw.REGRESSIONS_INTERVAL_MINUTES;
    this.alertRetryBaseMs = Math.round(raw.ALERT_RETRY_BASE_SECONDS * 1000);
    this.alertMaxAttempts = raw.ALERT_MAX_ATTEMPTS;
    this.version = version;
    this.initialAdmin = raw.LOOPMETER_ADMIN_EMAIL && raw.LOOPMETER_ADMIN_PASSWORD ? { email: raw.LOOPMETER_ADMIN_EMAIL.toLowerCase(), password: raw.LOOPMETER_ADMIN_PASSWORD } : undefined;
    this.passwordSignIn = raw.PASSWORD_SIGN_IN === 'on';
    this.sessionTtlMs = Math.round(raw.SESSION_TTL_HOURS * 3_600_000);
    this.corsOrigins = splitList(raw.CORS_ORIGINS);
    this.storePrompts = raw.LOOPMETER_STORE_PROMPTS === 'true';
    this.prices = loadPriceTable(raw.LOOPMETER_PRICES_FILE ? resolve(raw.LOOPMETER_PRICES_FILE) : undefined);
    this.usageApis = {
      anthropic: { baseUrl: raw.LOOPMETER_ANTHROPIC_API_URL.replace(/\/+$/, ''), adminKey: raw.LOOPMETER_ANTHROPIC_ADMIN_KEY },
      github: { baseUrl: raw.LOOPMETER_GITHUB_API_URL.replace(/\/+$/, ''), token: raw.LOOPMETER_COPILOT_METRICS_TOKEN, org: raw.LOOPMETER_COPILOT_ORG },
    };
    this.oidc =
      raw.OIDC_ISSUER_URL && raw.OIDC_CLIENT_ID && raw.OIDC_CLIENT_SECRET
        ? {
            issuer: raw.OIDC_ISSUER_URL.replace(/\/+$/, ''),
            clientId: raw.OIDC_CLIENT_ID,
            clientSecret: raw.OIDC_CLIENT_SECRET,
            scopes: [...new Set(['openid', ...raw.OIDC_SCOPES.split(/[\s,]+/).filter(Boolean)])],
            redirectUrl: raw.OIDC_REDIRECT_URL ?? `${this.publicUrl}/api/auth/oidc/callback`,
            autoCreateUsers: raw.OIDC_AUTO_CREATE_USERS === 'on',
          }
        : undefined;
  }

  get embedded(): boolean {
    return this.databaseUrl === undefined;
  }

  /** Parses and validates an environment; throws one error listing every problem. */
  static fromEnv(env: Record<string, string | undefined>, version = packageVersion()): AppConfig {
    const problems: string[] = [];
    const raw: Record<string, unknown> = {};
    for (const [name, def] of Object.entries(SETTINGS)) {
      const parsed = def.schema.safeParse(env[name]);
      if (parsed.success) raw[name] = parsed.data;
      else problems.push(`${name}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    }
    problems.push(...crossSettingProblems(env));
    if (problems.length > 0) throw new ConfigValidationError(problems);
    return new AppConfig(raw as RawConfig, version);
  }

  /** The settings as a loggable object, sensitive values masked. */
  describe(): Record<string, string> {
    const out: Record<string, string> = {
      PORT: String(this.port),
      HOST: this.host,
      REQUEST_TIMEOUT_SECONDS: String(this.requestTimeoutSeconds),
      DATABASE_URL: this.databaseUrl ? '(set)' : '(unset: embedded)',
      DATA_DIR: this.dataDir,
      LOOPMETER_ADMIN_TOKEN: this.adminToken ? '(set)' : '(unset)',
      LOOPMETER_ENCRYPTION_KEY: this.encryptionKey ? '(set)' : '(unset: DATA_DIR/encryption.key)',
      PUBLIC_URL: this.publicUrl,
      LOG_LEVEL: this.logLevel,
      REGRESSIONS_INTERVAL_MINUTES: String(this.regressionsIntervalMinutes),
      ALERT_RETRY_BASE_SECONDS: String(this.alertRetryBaseMs / 1000),
      ALERT_MAX_ATTEMPTS: String(this.alertMaxAttempts),
      LOOPMETER_ADMIN_EMAIL: this.initialAdmin ? this.initialAdmin.email : '(unset)',
      LOOPMETER_ADMIN_PASSWORD: this.initialAdmin ? '(set)' : '(unset)',
      PASSWORD_SIGN_IN: this.passwordSignIn ? 'on' : 'off',
      SESSION_TTL_HOURS: String(this.sessionTtlMs / 3_600_000),
      CORS_ORIGINS: this.corsOrigins.join(',') || '(none)',
      OIDC_ISSUER_URL: this.oidc?.issuer ?? '(unset)',
      OIDC_CLIENT_ID: this.oidc?.clientId ?? '(unset)',
      OIDC_CLIENT_SECRET: this.oidc ? '(set)' : '(unset)',
      OIDC_SCOPES: this.oidc?.scopes.join(' ') ?? '(unset)',
      OIDC_REDIRECT_URL: this.oidc?.redirectUrl ?? '(unset)',
      OIDC_AUTO_CREATE_USERS: this.oidc?.autoCreateUsers ? 'on' : 'off',
      LOOPMETER_STORE_PROMPTS: String(this.storePrompts),
      LOOPMETER_PRICES_FILE: `${this.prices.source} (taken on ${this.prices.takenOn})`,
      LOOPMETER_ANTHROPIC_API_URL: this.usageApis.anthropic.baseUrl,
      LOOPMETER_ANTHROPIC_ADMIN_KEY: this.usageApis.anthropic.adminKey ? '(set)' : '(unset)',
      LOOPMETER_GITHUB_API_URL: this.usageApis.github.baseUrl,
      LOOPMETER_COPILOT_METRICS_TOKEN: this.usageApis.github.token ? '(set)' : '(unset)',
      LOOPMETER_COPILOT_ORG: this.usageApis.github.org ?? '(unset)',
    };
    return out;
  }
}

/** The vendor APIs `usage pull` reads (base URLs are settings so tests can point them at a local server). */
export interface UsageApiSettings {
  anthropic: { baseUrl: string; adminKey: string | undefined };
  github: { baseUrl: string; token: string | undefined; org: string | undefined };
}

/** Single sign-on, when OIDC_ISSUER_URL, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are all set. */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  redirectUrl: string;
  autoCreateUsers: boolean;
}

/** Settings that only make sense together. */
function crossSettingProblems(env: Record<string, string | undefined>): string[] {
  const set = (name: string) => env[name] !== undefined && env[name] !== '';
  const problems: string[] = [];
  const oidc = ['OIDC_ISSUER_URL', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'];
  if (oidc.some(set) && !oidc.every(set)) problems.push(`OIDC_ISSUER_URL: single sign-on needs all of ${oidc.join(', ')} (missing: ${oidc.filter((n) => !set(n)).join(', ')})`);
  if (set('LOOPMETER_ADMIN_EMAIL') !== set('LOOPMETER_ADMIN_PASSWORD')) problems.push('LOOPMETER_ADMIN_EMAIL: set it together with LOOPMETER_ADMIN_PASSWORD, or neither');
  return problems;
}

function packageVersion(): string {
  // server/package.json sits two folders above this file in both src/ and dist/.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../../package.json') as { version: string }).version;
}

/** For entry points: the configuration, or a clear message on stderr and exit code 2. */
export function loadConfigOrExit(env: Record<string, string | undefined>): AppConfig {
  try {
    return AppConfig.fromEnv(env);
  } catch (e) {
    if (e instanceof ConfigValidationError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}
