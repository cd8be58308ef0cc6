import { DataSource, type DataSourceOptions } from 'typeorm';
import type { DatabaseKind } from '@loopmeter/shared';
import { ENTITIES, MIGRATIONS } from './schema';

export interface DatabaseTarget {
  url: string;
  kind: DatabaseKind;
  poolSize: number;
}

export function dataSourceOptions(target: DatabaseTarget): DataSourceOptions {
  const embedded = target.kind === 'embedded';
  return {
    type: 'postgres',
    url: target.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: embedded
      ? // PGlite has a single session: one connection, kept open (see STACK notes).
        { max: 1, connectionTimeoutMillis: 5000, idleTimeoutMillis: 0 }
      : // JIT adds ~0.5 s to analytic plans for no gain at our sizes (DESIGN §6).
        { max: target.poolSize, connectionTimeoutMillis: 5000, options: '-c jit=off' },
  };
}

export function createDataSource(target: DatabaseTarget): DataSource {
  return new DataSource(dataSourceOptions(target));
}
