import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppConfig } from '../core/config/app-config';
import { isDatabaseDown } from '../core/errors/error-response';
import { RegressionsService } from './regressions.service';

/** The first scheduled run comes this long after start (a restart loop should not run detection each time). */
const FIRST_RUN_DELAY_MS = 60_000;

/**
 * Runs regression detection for every org every REGRESSIONS_INTERVAL_MINUTES (0: never; on demand only), in
 * the server process. A run that fails is logged and retried at the next tick; runs never overlap in a process,
 * and across processes they apply one after the other (the service's advisory lock).
 */
@Injectable()
export class RegressionsScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('regressions-scheduler');
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly regressions: RegressionsService,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    // Only the HTTP server schedules runs; the CLI and `npm run worker` build the same modules without one.
    if (this.config.regressionsIntervalMinutes > 0 && this.adapterHost.httpAdapter) this.schedule(FIRST_RUN_DELAY_MS);
  }

  /** Before the database closes: a pass in flight finishes first. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.tick().finally(() => {
        this.current = undefined;
        this.schedule(this.config.regressionsIntervalMinutes * 60_000);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      const orgs: Array<{ org_id: string }> = await this.dataSource.query(`SELECT org_id FROM orgs ORDER BY org_id`);
      for (const { org_id } of orgs) {
        if (this.stopped) return;
        await this.regressions.run(org_id);
      }
    } catch (error) {
      if (!isDatabaseDown(error)) this.logger.error({ msg: 'scheduled regression run failed', err: (error as Error).message });
    }
  }
}
