import type { TestingModule } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryRunner } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext } from '../../../test/support/test-context';
import { fromDatabaseError } from './database-errors';

/**
 * Real refusals from real PostgreSQL, through TypeORM as the services see them: each kind of
 * constraint and data error becomes a client error with the API's codes, and never repeats the
 * refused value.
 */
describe(fromDatabaseError.name, () => {
  let context: TestingModule;
  let runner: QueryRunner;
  beforeAll(async () => {
    context = await createTestContext([]);
    // Temporary tables live on one connection: keep it for the whole suite.
    runner = context.get(DataSource).createQueryRunner();
    await runner.query(`CREATE TEMP TABLE parents (id uuid PRIMARY KEY)`);
    await runner.query(`
      CREATE TEMP TABLE children (
        id        serial PRIMARY KEY,
        parent_id uuid REFERENCES parents (id),
        name      varchar(5) NOT NULL UNIQUE CHECK (name = lower(name)),
        amount    smallint
      )`);
  });
  afterAll(async () => {
    await runner.release();
    await context.close();
  });

  const refusal = async (sql: string, values: unknown[] = []) => {
    const error = await runner.query(sql, values).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).not.toBeNull();
    return fromDatabaseError(error);
  };
  const insert = (fields: Record<string, unknown>) =>
    refusal(
      `INSERT INTO children (${Object.keys(fields).join(', ')}) VALUES (${Object.keys(fields)
        .map((_, i) => `$${i + 1}`)
        .join(', ')})`,
      Object.values(fields),
    );

  it.each([
    ['a value too long (22001)', 400, 'validation_failed', undefined, { name: 'secret-value' }],
    ['a null in a NOT NULL column (23502)', 400, 'validation_failed', 'name', { name: null }],
    ['a CHECK constraint (23514)', 400, 'validation_failed', undefined, { name: 'UPPER' }],
    [
      'a number out of range (22003)',
      400,
      'validation_failed',
      undefined,
      { name: 'n1', amount: 70000 },
    ],
    [
      'a malformed UUID (22P02)',
      400,
      'validation_failed',
      undefined,
      { name: 'n2', parent_id: 'secret-value' },
    ],
    [
      'a missing parent (23503)',
      404,
      'not_found',
      undefined,
      { name: 'n3', parent_id: randomUUID() },
    ],
  ] as const)('should make %s a %i %s', async (_, status, code, field, fields) => {
    const error = await insert(fields);
    expect(error).toMatchObject({ status, code });
    if (field)
      expect(error?.fieldErrors).toEqual([{ field, message: `${field} must not be null` }]);
    expect(JSON.stringify({ message: error?.message, errors: error?.fieldErrors })).not.toContain(
      'secret-value',
    );
  });

  it('should make a unique violation (23505) a 409 conflict that does not repeat the value', async () => {
    await runner.query(`INSERT INTO children (name) VALUES ('dup')`);
    const error = await insert({ name: 'dup' });
    expect(error).toMatchObject({ status: 409, code: 'conflict' });
    expect(error?.message).not.toContain('dup');
  });

  it('should make deleting a row still referenced (23503) a 409 conflict', async () => {
    const parent = randomUUID();
    await runner.query(`INSERT INTO parents (id) VALUES ($1)`, [parent]);
    await runner.query(`INSERT INTO children (name, parent_id) VALUES ('kid', $1)`, [parent]);
    const error = await refusal(`DELETE FROM parents WHERE id = $1`, [parent]);
    expect(error).toMatchObject({ status: 409, code: 'conflict' });
  });

  it('should leave other errors alone: they stay 500s or 503s', async () => {
    expect(fromDatabaseError(await refusal(`SELECT * FROM no_such_table`))).toBeUndefined();
    expect(fromDatabaseError(new TypeError('a bug'))).toBeUndefined();
    expect(
      fromDatabaseError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })),
    ).toBeUndefined();
  });
});
