import type { HttpAdapterHost } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../core/config/app-config';
import { RegressionsScheduler } from './regressions.scheduler';
import type { RegressionsService } from './regressions.service';

describe('RegressionsScheduler', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function scheduler(env: Record<string, string>, withHttp = true) {
    const runs: string[] = [];
    const service = { run: async (org: string) => void runs.push(org) } as unknown as RegressionsService;
    const dataSource = { query: async () => [{ org_id: 'org-a' }, { org_id: 'org-b' }] } as unknown as DataSource;
    const host = { httpAdapter: withHttp ? {} : undefined } as unknown as HttpAdapterHost;
    return { s: new RegressionsScheduler(service, dataSource, AppConfig.fromEnv(env, '0'), host), runs };
  }

  it('runs every org a minute after start, then every REGRESSIONS_INTERVAL_MINUTES (default 60)', async () => {
    const { s, runs } = scheduler({});
    s.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(59_999);
    expect(runs).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs).toEqual(['org-a', 'org-b']);
    await jest.advanceTimersByTimeAsync(60 * 60_000);
    expect(runs).toEqual(['org-a', 'org-b', 'org-a', 'org-b']);
    await s.beforeApplicationShutdown();
    await jest.advanceTimersByTimeAsync(3 * 60 * 60_000);
    expect(runs).toHaveLength(4);
  });

  it('never runs with REGRESSIONS_INTERVAL_MINUTES=0, nor outside the HTTP server (CLI, npm run worker)', async () => {
    const off = scheduler({ REGRESSIONS_INTERVAL_MINUTES: '0' });
    off.s.onApplicationBootstrap();
    const cli = scheduler({}, false);
    cli.s.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(24 * 60 * 60_000);
    expect([...off.runs, ...cli.runs]).toEqual([]);
  });

  it('refuses a negative interval', () => {
    expect(() => AppConfig.fromEnv({ REGRESSIONS_INTERVAL_MINUTES: '-5' }, '0')).toThrow(/REGRESSIONS_INTERVAL_MINUTES/);
  });
});
