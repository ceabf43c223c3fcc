import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './database-unavailable';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe(isDatabaseUnavailable.name, () => {
  it.each([
    ['connection refused', withCode('ECONNREFUSED')],
    ['PostgreSQL shutting down (57P01)', withCode('57P01')],
    ['a connection exception (08006)', withCode('08006')],
    ['too many connections (53300)', withCode('53300')],
    ['a pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    ['no answer within DATABASE_QUERY_TIMEOUT', new Error('Query read timeout')],
    ['a statement cancelled by statement_timeout (57014)', withCode('57014')],
    [
      'inside a TypeORM QueryFailedError',
      new QueryFailedError('SELECT 1', [], withCode('ECONNRESET')),
    ],
    ['inside an AggregateError', new AggregateError([withCode('ETIMEDOUT')], 'all failed')],
  ])('should recognise %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', new QueryFailedError('INSERT', [], withCode('23505'))],
    ['a syntax error', withCode('42601')],
    ['a bug', new TypeError('cannot read properties of undefined')],
    ['not an error', 'ECONNREFUSED'],
  ])('should not take %s for an outage', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
