import { Writable } from 'node:stream';
import { createRootLogger, JsonLogger } from './logger';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));
      cb();
    },
  });
  return { lines, stream };
}

describe('JSON logs', () => {
  it('redact authorization, cookies, signatures, tokens and secrets', () => {
    const { lines, stream } = capture();
    const logger = createRootLogger('info', stream);
    logger.info({ req: { headers: { authorization: 'Bearer lm_abc', 'x-gitlab-token': 'glt', 'x-hub-signature-256': 'sha256=00', 'user-agent': 'GitHub-Hookshot' } } }, 'incoming');
    logger.info({ integration: { secret: 's3cret', name: 'gh' }, token: 'lm_xyz' }, 'created');
    const text = JSON.stringify(lines);
    for (const secret of ['lm_abc', 'glt', 'sha256=00', 's3cret', 'lm_xyz']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'incoming', req: { headers: { 'user-agent': 'GitHub-Hookshot', authorization: '[redacted]' } } });
    expect(lines[1]).toMatchObject({ integration: { name: 'gh', secret: '[redacted]' } });
  });

  it("turns Nest's logger calls into the same JSON lines, with the context", () => {
    const { lines, stream } = capture();
    const nest = new JsonLogger(createRootLogger('debug', stream));
    nest.log('Mapped {/api/health, GET} route', 'RouterExplorer');
    nest.error({ msg: 'unhandled error', requestId: 'r1' }, 'errors');
    nest.warn('plain');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', context: 'RouterExplorer', msg: 'Mapped {/api/health, GET} route' }),
      expect.objectContaining({ level: 'error', context: 'errors', msg: 'unhandled error', requestId: 'r1' }),
      expect.objectContaining({ level: 'warn', msg: 'plain' }),
    ]);
  });
});

describe('request URLs in the logs', () => {
  it('hide the values of OAuth codes, state, tokens and passwords in the query string', () => {
    const { lines, stream } = capture();
    createRootLogger('info', stream).info({ req: { method: 'GET', url: '/api/auth/oidc/callback?code=abc123&state=xyz&iss=https%3A%2F%2Fidp&token=lm_1' } }, 'incoming');
    expect(lines[0]).toMatchObject({ req: { url: '/api/auth/oidc/callback?code=[redacted]&state=[redacted]&iss=https%3A%2F%2Fidp&token=[redacted]' } });
  });

  it('hide passwords and session cookies', () => {
    const { lines, stream } = capture();
    const logger = createRootLogger('info', stream);
    logger.info({ req: { headers: { cookie: 'lm_session=lm_secretsession' } }, res: { headers: { 'set-cookie': 'lm_session=lm_secretsession; HttpOnly' } } }, 'cookies');
    logger.info({ body: { email: 'a@b.c', password: 'hunter2hunter2', newPassword: 'n3w-pa55word!!', currentPassword: 'old-pa55word!!' } }, 'body');
    const text = JSON.stringify(lines);
    for (const secret of ['lm_secretsession', 'hunter2hunter2', 'n3w-pa55word!!', 'old-pa55word!!']) expect(text).not.toContain(secret);
    expect(text).toContain('a@b.c');
  });
});
