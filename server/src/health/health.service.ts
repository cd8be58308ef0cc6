import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { HealthResponse } from '@loopmeter/shared';
import { AppConfig } from '../core/config/app-config';
import { DATABASE_TARGET } from '../core/database/database.tokens';
import type { DatabaseTarget } from '../core/database/data-source';

@Injectable()
export class HealthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    @Inject(DATABASE_TARGET) private readonly target: DatabaseTarget,
  ) {}

  /** Database reachable and every migration this build knows applied: status ok. */
  async check(): Promise<HealthResponse> {
    const known = this.dataSource.migrations.map((m) => m.name ?? m.constructor.name);
    let applied: string[] = [];
    let reachable = true;
    try {
      const rows: Array<{ name: string }> = await this.dataSource.query('SELECT name FROM migrations ORDER BY id');
      applied = rows.map((r) => r.name);
    } catch {
      reachable = false;
    }
    const pending = reachable ? known.filter((name) => !applied.includes(name)) : known;
    return {
      status: reachable && pending.length === 0 ? 'ok' : 'unavailable',
      version: this.config.version,
      database: { kind: this.target.kind, reachable, migrations: { applied: applied.length, pending } },
    };
  }
}
