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
  let db: DataSource;
  beforeAll(async () => {
    context = await createTestContext([ThrottlingModule], {
      SSO_LOGIN_FREE_ATTEMPTS: '3',
      SSO_LOGIN_LOCKOUT_BASE: '2',
      SSO_LOGIN_LOCKOUT_MAX: '10',
      SSO_LOGIN_FAILURE_WINDOW: '60',
    });
    lockout = context.get(LoginLockoutService);
    db = context.get(DataSource);
  });
  afterAll(() => context.close());

  const name = () => `someone-${randomUUID()}@example.com`;
  // Rows are keyed by the SHA-256 of the normalised name (the table never holds the name).
  const hashOf = (login: string) =>
    createHash('sha256').update(normalizeLogin(login)).digest('hex');
  const unlock = (login: string) =>
    db.query(`UPDATE login_throttles SET locked_until = now() WHERE login_hash = $1`, [
      hashOf(login),
    ]);
  /** `n` attempts one after the other, each after the last lockout ran out: the locks started. */
  const lockTimes = async (login: string, n: number) => {
    const locks: (number | 'refused')[] = [];
    for (let i = 0; i < n; i++) {
      const attempt = await lockout.reserve(login);
      locks.push(attempt.allowed ? attempt.lockSeconds : 'refused');
      await unlock(login);
    }
    return locks;
  };

  it('should allow the free attempts, then lock for a doubling time up to the maximum', async () => {
    expect(await lockTimes(name(), 7)).toEqual([0, 0, 0, 2, 4, 8, 10]);
  });

  it('should refuse every attempt while the name is locked, saying for how long', async () => {
    const login = name();
    for (let i = 0; i < 4; i++) await lockout.reserve(login);
    const refused = await lockout.reserve(login);
    expect(refused).toEqual({ allowed: false, retryAfter: 2 });
  });

  it('should count one name whatever its letter case or Unicode form', async () => {
    const login = name();
    await lockout.reserve(login);
    await lockout.reserve(login.toUpperCase());
    await lockout.reserve(` ${login} `);
    expect(await lockout.reserve(login.normalize('NFD'))).toEqual({
      allowed: true,
      lockSeconds: 2,
    });
  });

  it('should forget attempts older than the window', async () => {
    const login = name();
    for (let i = 0; i < 3; i++) await lockout.reserve(login);
    await db.query(
      `UPDATE login_throttles SET last_failure_at = now() - interval '61 seconds' WHERE login_hash = $1`,
      [hashOf(login)],
    );
    expect(await lockout.reserve(login)).toEqual({ allowed: true, lockSeconds: 0 });
  });

  it('should forget the attempts of a name after a reset', async () => {
    const login = name();
    await lockTimes(login, 4);
    await lockout.reset(login);
    expect(await lockTimes(login, 4)).toEqual([0, 0, 0, 2]);
  });

  it('should let through only the free attempts and one more of many concurrent ones', async () => {
    const login = name();
    const attempts = await Promise.all(Array.from({ length: 30 }, () => lockout.reserve(login)));
    const allowed = attempts.filter((a) => a.allowed);
    // Whatever the interleaving: 3 free attempts, the 4th locks, the other 26 find it locked.
    expect(allowed.map((a) => a.lockSeconds).sort()).toEqual([0, 0, 0, 2]);
    expect(attempts.filter((a) => !a.allowed)).toHaveLength(26);
  });
});
