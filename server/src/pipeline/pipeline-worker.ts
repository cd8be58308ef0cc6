import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config';
import { RawEventWriter } from '../ingest/raw-store/raw-event-writer';
import { isDatabaseDown } from '../core/errors/error-response';
import { PipelineService } from './pipeline.service';

const IDLE_POLL_MS = 500;
const ERROR_PAUSE_MS = 5_000;

/**
 * Runs the pipeline in the background of the server process (PIPELINE_WORKER=on, the default), or alone
 * with `npm run worker`. It drains the queue, then polls; it pauses after an error and never stops the
 * server. Several workers can run against one PostgreSQL: they claim disjoint batches.
 */
@Injectable()
export class PipelineWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('pipeline-worker');
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly pipeline: PipelineService, private readonly config: AppConfig, writer: RawEventWriter) {
    writer.onStored(() => this.nudge());
  }

  onApplicationBootstrap(): void {
    if (this.config.pipelineWorker) this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Ask for a batch now rather than at the next poll (called after ingest commits). */
  nudge(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let pause = IDLE_POLL_MS;
      try {
        // A stop ends the drain after the batch in progress: a backlog drains for hours.
        const claimed = await this.pipeline.drain({ stopped: () => !this.running });
        if (claimed > 0) this.logger.debug({ msg: 'pipeline batch done', claimed });
        // Idle: rollup keys marked outside a batch are recomputed now rather than at the org's next event.
        else if ((await this.pipeline.refreshDirtyRollups()) > 0) this.logger.debug({ msg: 'dirty rollups refreshed' });
      } catch (error) {
        pause = ERROR_PAUSE_MS;
        if (!isDatabaseDown(error)) this.logger.error({ msg: 'pipeline batch failed', err: (error as Error).message });
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}
