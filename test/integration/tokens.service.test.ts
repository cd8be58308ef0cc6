import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ApiTokenEntity } from '../../server/src/tokens/api-token.entity';
import { TokensService } from '../../server/src/tokens/tokens.service';
import { openTestDataSource } from '../support/test-data-source';

describe('TokensService on a real database', () => {
  let dataSource: DataSource;
  let close: () => Promise<void>;
  let tokens: TokensService;
  beforeAll(async () => {
    ({ dataSource, close } = await openTestDataSource());
    tokens = new TokensService(dataSource.getRepository(ApiTokenEntity));
  });
  afterAll(() => close());

  it('stores only the SHA-256 of the secret and its display prefix', async () => {
    const created = await tokens.create({ name: 'ci', scope: 'ingest' });
    const [row]: Array<{ token_hash: Buffer; prefix: string }> = await dataSource.query(`SELECT token_hash, prefix FROM api_tokens WHERE id = $1`, [created.id]);
    expect(row.token_hash.equals(createHash('sha256').update(created.token).digest())).toBe(true);
    expect(row.prefix).toBe(created.token.slice(0, 9));
    const everything = JSON.stringify(await dataSource.query(`SELECT * FROM api_tokens`));
    expect(everything).not.toContain(created.token);
  });

  it('authenticates an active token, records its use once a minute at most, and refuses it once revoked', async () => {
    const created = await tokens.create({ name: 'reader', scope: 'read', team: 'growth' });
    expect(await tokens.authenticate('lm_wrong')).toBeUndefined();
    const first = await tokens.authenticate(created.token);
    expect(first).toMatchObject({ id: created.id, scope: 'read', team: 'growth' });
    const [{ last_used_at: used1 }] = await dataSource.query(`SELECT last_used_at FROM api_tokens WHERE id = $1`, [created.id]);
    expect(used1).not.toBeNull();
    await tokens.authenticate(created.token);
    const [{ last_used_at: used2 }] = await dataSource.query(`SELECT last_used_at FROM api_tokens WHERE id = $1`, [created.id]);
    expect(used2).toEqual(used1);
    await tokens.revoke(created.id);
    expect(await tokens.authenticate(created.token)).toBeUndefined();
  });

  it('revoking twice keeps the first revocation time', async () => {
    const created = await tokens.create({ name: 'twice', scope: 'admin' });
    const first = await tokens.revoke(created.id);
    const second = await tokens.revoke(created.id);
    expect(second.revokedAt).toBe(first.revokedAt);
  });
});
