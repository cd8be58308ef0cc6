import { resolve } from 'node:path';
import { AppConfig, ConfigValidationError } from './app-config';

describe('AppConfig.fromEnv', () => {
  it('gives every setting a default: port 3000, embedded database in ./data', () => {
    const config = AppConfig.fromEnv({}, '1.2.3');
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.embedded).toBe(true);
    expect(config.dataDir).toBe(resolve('./data'));
    expect(config.adminToken).toBeUndefined();
    expect(config.logLevel).toBe('info');
    expect(config.version).toBe('1.2.3');
  });

  it('sizes pipeline batches: 500 growing to 5,000 by default; the maximum never below the base size', () => {
    expect(AppConfig.fromEnv({}, '0')).toMatchObject({ pipelineBatchSize: 500, pipelineMaxBatchSize: 5_000 });
    expect(AppConfig.fromEnv({ PIPELINE_BATCH_SIZE: '2000', PIPELINE_MAX_BATCH_SIZE: '20000' }, '0')).toMatchObject({ pipelineBatchSize: 2_000, pipelineMaxBatchSize: 20_000 });
    expect(AppConfig.fromEnv({ PIPELINE_BATCH_SIZE: '800', PIPELINE_MAX_BATCH_SIZE: '100' }, '0')).toMatchObject({ pipelineBatchSize: 800, pipelineMaxBatchSize: 800 });
    expect(() => AppConfig.fromEnv({ PIPELINE_BATCH_SIZE: '0' }, '0')).toThrow(/PIPELINE_BATCH_SIZE/);
  });

  it('paces the rollup refresh during a backlog by 4 times its duration by default; 0 refreshes every batch', () => {
    expect(AppConfig.fromEnv({}, '0').pipelineBacklogRefreshFactor).toBe(4);
    expect(AppConfig.fromEnv({ PIPELINE_BACKLOG_REFRESH_FACTOR: '0' }, '0').pipelineBacklogRefreshFactor).toBe(0);
    expect(AppConfig.fromEnv({ PIPELINE_BACKLOG_REFRESH_FACTOR: '2.5' }, '0').pipelineBacklogRefreshFactor).toBe(2.5);
    for (const bad of ['-1', 'often', '5000']) expect(() => AppConfig.fromEnv({ PIPELINE_BACKLOG_REFRESH_FACTOR: bad }, '0')).toThrow(/PIPELINE_BACKLOG_REFRESH_FACTOR/);
  });

  it('gives a request 120 s to arrive by default; REQUEST_TIMEOUT_SECONDS changes it, 0 turns it off', () => {
    expect(AppConfig.fromEnv({}, '0').requestTimeoutSeconds).toBe(120);
    expect(AppConfig.fromEnv({ REQUEST_TIMEOUT_SECONDS: '5' }, '0').requestTimeoutSeconds).toBe(5);
    expect(AppConfig.fromEnv({ REQUEST_TIMEOUT_SECONDS: '0' }, '0').requestTimeoutSeconds).toBe(0);
    expect(AppConfig.fromEnv({ REQUEST_TIMEOUT_SECONDS: '30' }, '0').describe()).toMatchObject({ REQUEST_TIMEOUT_SECONDS: '30' });
    for (const bad of ['-1', '1.5', 'soon']) expect(() => AppConfig.fromEnv({ REQUEST_TIMEOUT_SECONDS: bad }, '0')).toThrow(/REQUEST_TIMEOUT_SECONDS/);
  });

  it('treats empty strings as unset', () => {
    const config = AppConfig.fromEnv({ DATABASE_URL: '', LOOPMETER_ADMIN_TOKEN: '' }, '0');
    expect(config.embedded).toBe(true);
    expect(config.adminToken).toBeUndefined();
  });

  it('lists every invalid setting at once, naming each', () => {
    let error: unknown;
    try {
      AppConfig.fromEnv({ PORT: 'eighty', DATABASE_URL: 'not a url', LOOPMETER_ADMIN_TOKEN: 'short', LOG_LEVEL: 'loud' }, '0');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const problems = (error as ConfigValidationError).problems;
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'LOOPMETER_ADMIN_TOKEN', 'PORT']);
    expect(problems.find((p) => p.startsWith('LOOPMETER_ADMIN_TOKEN'))).toMatch(/at least 24 characters/);
  });

  it('never shows sensitive values when described for the logs', () => {
    const config = AppConfig.fromEnv({ DATABASE_URL: 'postgres://app:hunter2@db:5432/loopmeter', LOOPMETER_ADMIN_TOKEN: 'a-very-long-admin-token-value-1234' }, '0');
    const described = JSON.stringify(config.describe());
    expect(described).not.toContain('hunter2');
    expect(described).not.toContain('a-very-long-admin-token-value-1234');
    expect(config.describe()).toMatchObject({ DATABASE_URL: '(set)', LOOPMETER_ADMIN_TOKEN: '(set)' });
  });
});

describe('AppConfig: agent settings', () => {
  it('removes prompts by default, uses the built-in prices and the public vendor APIs, and masks the vendor keys', () => {
    const config = AppConfig.fromEnv({ LOOPMETER_ANTHROPIC_ADMIN_KEY: 'sk-ant-admin01-secret', LOOPMETER_COPILOT_METRICS_TOKEN: 'github_pat_secret' }, '0');
    expect(config.storePrompts).toBe(false);
    expect(config.prices.source).toBe('defaults');
    expect(config.usageApis).toEqual({
      anthropic: { baseUrl: 'https://api.anthropic.com', adminKey: 'sk-ant-admin01-secret' },
      github: { baseUrl: 'https://api.github.com', token: 'github_pat_secret', org: undefined },
    });
    const described = JSON.stringify(config.describe());
    expect(described).not.toContain('sk-ant-admin01-secret');
    expect(described).not.toContain('github_pat_secret');
    expect(AppConfig.fromEnv({ LOOPMETER_STORE_PROMPTS: 'true' }, '0').storePrompts).toBe(true);
  });

  it('refuses a prices file that is missing or wrong, naming the setting', () => {
    let error: unknown;
    try {
      AppConfig.fromEnv({ LOOPMETER_PRICES_FILE: '/nonexistent/prices.json', LOOPMETER_STORE_PROMPTS: 'yes' }, '0');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).problems.map((p) => p.split(':')[0]).sort()).toEqual(['LOOPMETER_PRICES_FILE', 'LOOPMETER_STORE_PROMPTS']);
  });
});

describe('AppConfig: access settings', () => {
  it('needs the three single sign-on settings together, and the admin email with its password', () => {
    let error: unknown;
    try {
      AppConfig.fromEnv({ OIDC_ISSUER_URL: 'https://idp.example.com', LOOPMETER_ADMIN_EMAIL: 'root@example.com' }, '0');
    } catch (e) {
      error = e;
    }
    const problems = (error as ConfigValidationError).problems;
    expect(problems.find((p) => p.startsWith('OIDC_ISSUER_URL'))).toMatch(/missing: OIDC_CLIENT_ID, OIDC_CLIENT_SECRET/);
    expect(problems.find((p) => p.startsWith('LOOPMETER_ADMIN_EMAIL'))).toMatch(/LOOPMETER_ADMIN_PASSWORD/);
  });

  it('builds the single sign-on settings with defaults, and never shows the client secret or admin password', () => {
    const config = AppConfig.fromEnv(
      { PUBLIC_URL: 'https://lm.example.com/', OIDC_ISSUER_URL: 'https://idp.example.com/', OIDC_CLIENT_ID: 'lm', OIDC_CLIENT_SECRET: 'oidc-s3cret', LOOPMETER_ADMIN_EMAIL: 'Root@Example.com', LOOPMETER_ADMIN_PASSWORD: 'admin-pa55word!' },
      '0',
    );
    expect(config.oidc).toEqual({
      issuer: 'https://idp.example.com',
      clientId: 'lm',
      clientSecret: 'oidc-s3cret',
      scopes: ['openid', 'email', 'profile'],
      redirectUrl: 'https://lm.example.com/api/auth/oidc/callback',
      autoCreateUsers: false,
    });
    expect(config.initialAdmin).toEqual({ email: 'root@example.com', password: 'admin-pa55word!' });
    expect(config.corsOrigins).toEqual([]);
    const described = JSON.stringify(config.describe());
    expect(described).not.toContain('oidc-s3cret');
    expect(described).not.toContain('admin-pa55word!');
  });
});
