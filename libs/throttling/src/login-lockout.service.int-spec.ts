import type { TestingModule } from '@nestjs/testing';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeLogin } from '@nest-sso/users';
import { createTestContext } from '../../../test/support/test-context';
import { LoginLockoutService } from './login-lockout.service';
import { ThrottlingModule } from './throttling.module';

/** The lockout counter, against real PostgreSQL: 3 free attempts, 2 s doubling up to 10 s. */
describe(LoginLockoutService.name, () => {
  let context: TestingModule;
  let lockout: LoginLockoutService;
  beforeAll(async () => {
    context = await createTestContext([ThrottlingModule], {
      SSO_LOGIN_FREE_ATTEMPTS: '3',
      SSO_LOGIN_LOCKOUT_BASE: '2',
      SSO_LOGIN_LOCKOUT_MAX: '10',
      SSO_LOGIN_FAILURE_WINDOW: '60',
    });
    lockout = context.get(LoginLockoutService);
  });
  afterAll(() => context.close());

  const name = () => `someone-${randomUUID()}@example.com`;
  const failTimes = async (login: string, n: number) => {
    const locks: number[] = [];
    for (let i = 0; i < n; i++) locks.push(await lockout.recordFailure(login));
    return locks;
  };

  it('should allow the free attempts, then lock for a doubling time up to the maximum', async () => {
    const login = name();
    expect(await failTimes(login, 7)).toEqual([0, 0, 0, 2, 4, 8, 10]);
    expect(await lockout.lockedFor(login)).toBe(10);
  });

  it('should count one name whatever its letter case or Unicode form', async () => {
    const login = name();
    await failTimes(login, 2);
    await lockout.recordFailure(login.toUpperCase());
    expect(await lockout.recordFailure(` ${login} `)).toBe(2);
    expect(await lockout.lockedFor(login.toUpperCase())).toBe(2);
  });

  it('should forget failures older than the window', async () => {
    const login = name();
    await failTimes(login, 3);
    // Rows are keyed by the SHA-256 of the normalised name (the table never holds the name).
    await context
      .get(DataSource)
      .query(
        `UPDATE login_throttles SET last_failure_at = now() - interval '61 seconds' WHERE login_hash = $1`,
        [createHash('sha256').update(normalizeLogin(login)).digest('hex')],
      );
    expect(await lockout.recordFailure(login)).toBe(0);
  });

  it('should forget the failures of a name after a reset', async () => {
    const login = name();
    await failTimes(login, 4);
    await lockout.reset(login);
    expect(await lockout.lockedFor(login)).toBe(0);
    expect(await failTimes(login, 4)).toEqual([0, 0, 0, 2]);
  });

  it('should count every one of many concurrent failures', async () => {
    const login = name();
    const locks = await Promise.all(Array.from({ length: 12 }, () => lockout.recordFailure(login)));
    // Whatever the interleaving, the counter went 1..12: the lockouts started are 2,4,8,10,10,...
    expect(locks.sort((a, b) => a - b)).toEqual([0, 0, 0, 2, 4, 8, 10, 10, 10, 10, 10, 10]);
  });

  it('should say nothing about names that never failed', async () => {
    expect(await lockout.lockedFor(name())).toBe(0);
  });
});
