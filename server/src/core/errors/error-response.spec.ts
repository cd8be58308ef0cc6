import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { AppException, DatabaseUnavailableException } from './app.exception';
import { isDatabaseDown, mapError } from './error-response';

describe('mapError: anything thrown becomes { code, message, details? }', () => {
  it('keeps a domain exception as it is', () => {
    expect(mapError(new AppException(409, 'duplicate_name', 'That name is taken.', { name: 'x' }))).toEqual({
      status: 409,
      body: { code: 'duplicate_name', message: 'That name is taken.', details: { name: 'x' } },
      headers: undefined,
      unexpected: false,
    });
  });

  it('answers 503 with Retry-After when the database is down, whether pg or TypeORM says so', () => {
    expect(mapError(new DatabaseUnavailableException(7))).toMatchObject({ status: 503, headers: { 'retry-after': '7' }, body: { code: 'database_unavailable' } });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(mapError(refused)).toMatchObject({ status: 503, body: { code: 'database_unavailable' }, unexpected: false });
    const wrapped = Object.assign(new Error('Query failed'), { driverError: Object.assign(new Error('terminating connection'), { code: '57P01' }) });
    expect(isDatabaseDown(wrapped)).toBe(true);
    expect(isDatabaseDown(new Error('duplicate key value'))).toBe(false);
  });

  it("unwraps Fastify's own errors that Nest wrapped, for their precise code", () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    expect(mapError(new HttpException('Request body is too large', 413, { cause: tooLarge }))).toMatchObject({ status: 413, body: { code: 'payload_too_large' } });
    const badJson = Object.assign(new SyntaxError('Unexpected end of JSON input'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 });
    expect(mapError(new BadRequestException('x', { cause: badJson }))).toMatchObject({ status: 400, body: { code: 'invalid_json' } });
    const media = Object.assign(new Error('Unsupported Media Type'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 });
    expect(mapError(media)).toMatchObject({ status: 415, body: { code: 'unsupported_media_type' } });
  });

  it('names an unknown route', () => {
    expect(mapError(new NotFoundException('Cannot DELETE /api/x'))).toMatchObject({
      status: 404,
      body: { code: 'route_not_found', message: 'No route DELETE /api/x. The API is described at /api/docs.' },
    });
  });

  it('hides the details of an unexpected error and flags it for the log', () => {
    const mapped = mapError(new TypeError("Cannot read properties of undefined (reading 'secret')"));
    expect(mapped).toMatchObject({ status: 500, body: { code: 'internal_error' }, unexpected: true });
    expect(JSON.stringify(mapped.body)).not.toContain('secret');
  });
});
