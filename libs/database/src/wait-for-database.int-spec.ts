import { Logger } from '@nestjs/common';
import { createServer, Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_DATABASE_URL } from '../../../test/support/test-database';
import { waitForDatabase } from './wait-for-database';

/** Against the real test PostgreSQL: which failures are retried, and what the operator sees. */
describe(waitForDatabase.name, () => {
  const withPath = (path: string, user?: string) => {
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = path;
    if (user) url.username = user;
    return url.toString();
  };
  const wait = (url: string, attempts = 8) =>
    waitForDatabase({
      connection: { connectionString: url },
      attempts,
      timeout: 2,
      hint: 'check DATABASE_URL',
    });
  // A port that accepts connections and drops them at once: a database still starting.
  let dropping: Server;
  let droppingUrl: string;
  beforeAll(async () => {
    dropping = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    droppingUrl = `postgres://postgres@127.0.0.1:${(dropping.address() as AddressInfo).port}/x`;
  });
  afterAll(() => new Promise((resolve) => dropping.close(resolve)));

  it('should connect to a database that is up', async () => {
    await expect(wait(TEST_DATABASE_URL)).resolves.toBeUndefined();
  });

  it.each([
    [
      'an unknown database',
      () => withPath('/nest_sso_no_such_database'),
      'Cannot connect to the database: database "nest_sso_no_such_database" does not exist (PostgreSQL error 3D000); retrying cannot help, check DATABASE_URL',
    ],
    [
      'an unknown role',
      () => withPath(new URL(TEST_DATABASE_URL).pathname, 'nest_sso_no_such_role'),
      'role "nest_sso_no_such_role" does not exist (PostgreSQL error 28000); retrying cannot help',
    ],
  ])('should fail at once, without retrying, on %s', async (_, url, message) => {
    const warn = vi.spyOn(Logger.prototype, 'warn');
    const started = Date.now();
    await expect(wait(url())).rejects.toThrow(message);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('should show each failed attempt, then give up after the last', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await expect(wait(droppingUrl, 3)).rejects.toThrow(
      'Cannot reach the database after 3 attempt(s): Connection terminated unexpectedly',
    );
    expect(warn.mock.calls.map((call) => String(call[0]))).toEqual([
      'Cannot reach the database (Connection terminated unexpectedly); attempt 1 of 3, retrying in 1 s',
      'Cannot reach the database (Connection terminated unexpectedly); attempt 2 of 3, retrying in 2 s',
    ]);
    warn.mockRestore();
  });
});
