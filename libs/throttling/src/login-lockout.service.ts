import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { Repository } from 'typeorm';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { normalizeLogin } from '@nest-sso/users';
import { LoginThrottle } from './login-throttle.entity';

/** The answer to a request for one password attempt on a login name. */
export type LoginAttempt =
  /** Check the password. If it turns out wrong, the name stays locked for `lockSeconds` (0: not). */
  | { allowed: true; lockSeconds: number }
  /** Locked: check nothing, and tell the client to come back in `retryAfter` seconds. */
  | { allowed: false; retryAfter: number };

/**
 * Progressive lockout of a login name, in PostgreSQL so that every replica sees it. Every password
 * attempt is counted before the password is checked, in one statement, so parallel attempts on
 * any number of replicas cannot all slip past the check: the first `freeAttempts` in the window
 * go ahead, the next one goes ahead but locks the name for `baseSeconds` (doubling with each
 * further one, up to `maxSeconds`) whatever its outcome, and every attempt while the name is
 * locked is refused. A success clears the count. Names are counted whether or not a user has
 * them, so a lockout reveals nothing about which accounts exist.
 */
@Injectable()
export class LoginLockoutService {
  constructor(
    @InjectRepository(LoginThrottle) private readonly throttles: Repository<LoginThrottle>,
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
  ) {}

  /**
   * Reserves one password attempt on `login`, atomically. The row is locked by the statement, so
   * concurrent reservations queue and each sees the count the one before it left; while the name
   * is locked the update does not happen and no row comes back.
   */
  async reserve(login: string): Promise<LoginAttempt> {
    const { freeAttempts, baseSeconds, maxSeconds, windowSeconds } = this.config.loginLockout;
    const count = `CASE WHEN t.last_failure_at < now() - make_interval(secs => $5) THEN 1 ELSE t.failures + 1 END`;
    const lock = (n: string) =>
      `CASE WHEN ${n} > $2 THEN now() + make_interval(secs => LEAST($4, $3 * power(2, LEAST(${n} - $2 - 1, 30)))) END`;
    const hash = loginHash(login);
    const rows = await this.throttles.query<{ lock_seconds: string | null }[]>(
      `INSERT INTO login_throttles AS t (login_hash, failures, last_failure_at, locked_until)
       VALUES ($1, 1, now(), ${lock('1')})
       ON CONFLICT (login_hash) DO UPDATE
         SET failures = ${count}, last_failure_at = now(), locked_until = ${lock(count)}
         WHERE t.locked_until IS NULL OR t.locked_until <= now()
       RETURNING EXTRACT(EPOCH FROM t.locked_until - now()) AS lock_seconds`,
      [hash, freeAttempts, baseSeconds, maxSeconds, windowSeconds],
    );
    if (rows.length > 0) {
      const lockSeconds = rows[0].lock_seconds;
      return {
        allowed: true,
        lockSeconds: lockSeconds === null ? 0 : Math.ceil(Number(lockSeconds)),
      };
    }
    return { allowed: false, retryAfter: await this.lockedFor(hash) };
  }

  /** Forgets the attempts of a login name (after a successful login). */
  async reset(login: string): Promise<void> {
    await this.throttles.delete({ loginHash: loginHash(login) });
  }

  /** Seconds left on a lockout (at least 1: the lock may end between the two statements). */
  private async lockedFor(hash: string): Promise<number> {
    const rows = await this.throttles.query<{ remaining: string | null }[]>(
      `SELECT EXTRACT(EPOCH FROM locked_until - now()) AS remaining
         FROM login_throttles WHERE login_hash = $1`,
      [hash],
    );
    return Math.max(1, Math.ceil(Number(rows[0]?.remaining ?? 1)));
  }
}

function loginHash(login: string): string {
  return createHash('sha256').update(normalizeLogin(login)).digest('hex');
}
