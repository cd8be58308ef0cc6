import { DataSource } from 'typeorm';
import { PipelineService } from '../../server/src/pipeline/pipeline.service';
import { DERIVED_TABLES, ReprocessService } from '../../server/src/pipeline/reprocess/reprocess.service';
import { DEFAULT_ORG_ID } from '../support/webhook-senders';
import { startTestApp, type TestApp } from '../support/test-app';
import { deliverLinearStory, experimentsOf } from '../support/stories/linear-story';

/** A fixed permutation (seeded), so a failure can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Two separate ingests differ, by nature, in their raw event ids (lineage) and in receipt times (GitHub
 * create/delete carry no time of their own): those columns are left out of the comparison.
 */
function differsByNature(table: string, column: string, row: Record<string, unknown>): boolean {
  if (column === 'raw_event_id') return true;
  if (table === 'branches') return column === 'source_updated_at' || (column === 'created_at' && row.created_at_is_receipt === true);
  return false;
}

/** Every derived row, in a stable order, so two databases can be compared row for row. */
async function derivedRows(t: TestApp): Promise<Record<string, unknown[]>> {
  const ds = t.app.get(DataSource);
  const out: Record<string, unknown[]> = {};
  for (const table of DERIVED_TABLES) {
    const rows: Array<Record<string, unknown>> = await ds.query(`SELECT * FROM ${table} ORDER BY 1, 2, 3, 4`);
    out[table] = rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k]) => !differsByNature(table, k, r))))).sort();
  }
  return out;
}

describe('pipeline: the order and repetition of deliveries do not matter', () => {
  let inOrder: TestApp;
  let shuffledTwice: TestApp;
  beforeAll(async () => {
    inOrder = await startTestApp();
    await deliverLinearStory(inOrder);
    await inOrder.app.get(PipelineService).drain();
    shuffledTwice = await startTestApp();
    // Each delivery sent twice (as two distinct deliveries, so both reach the pipeline), in a shuffled order.
    await deliverLinearStory(shuffledTwice, (sends) => shuffled([...sends, ...sends], 42));
    await shuffledTwice.app.get(PipelineService).drain();
  });
  afterAll(async () => {
    await inOrder.close();
    await shuffledTwice.close();
  });

  it('gives the same experiment and the same domain rows (lineage aside: the raw rows differ)', async () => {
    const expected = await experimentsOf(inOrder);
    expect(expected).toHaveLength(1);
    expect(await experimentsOf(shuffledTwice)).toEqual(expected);
    expect(await derivedRows(shuffledTwice)).toEqual(await derivedRows(inOrder));
  });

  it('reprocess rebuilds exactly the same rows, lineage included, whatever the processing order', async () => {
    const ds = shuffledTwice.app.get(DataSource);
    const snapshot = async () => {
      const all: Record<string, unknown[]> = {};
      for (const table of DERIVED_TABLES) all[table] = (await ds.query(`SELECT * FROM ${table}`)).map((r: unknown) => JSON.stringify(r)).sort();
      return all;
    };
    const before = await snapshot();
    expect(before.experiments).toHaveLength(1);
    const progress: number[] = [];
    const result = await shuffledTwice.app.get(ReprocessService).reprocess(DEFAULT_ORG_ID, { shuffleSeed: 7, onProgress: (p) => progress.push(p.done) });
    // 18 deliveries: the Linear issue twice, the branch creation twice, ... none ignored.
    expect(result).toEqual({ done: 18, total: 18 });
    expect(progress[0]).toBe(0);
    expect(await snapshot()).toEqual(before);
  });
});
