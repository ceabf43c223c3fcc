import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { Repository } from 'typeorm';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { preparedQuery } from '@nest-sso/database';
import { normalizeLogin, User, userFromRow, type UserRow } from '@nest-sso/users';
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
    return (await this.reserveAndFindUser(login, false)).attempt;
  }

  /**
   * `reserve`, and the user whose email or username is `login` (email first, as
   * `UsersService.findByLogin`), in one statement: one round trip on the login path instead of
   * three (user by email, by username, then the reservation). A refused attempt also carries the
   * time left on the lockout, from the same statement.
   */
  async reserveAndFindUser(
    login: string,
    withUser = true,
  ): Promise<{ attempt: LoginAttempt; user: User | null }> {
    const { freeAttempts, baseSeconds, maxSeconds, windowSeconds } = this.config.loginLockout;
    const count = `CASE WHEN t.last_failure_at < now() - make_interval(secs => $5) THEN 1 ELSE t.failures + 1 END`;
    const lock = (n: string) =>
      `CASE WHEN ${n} > $2 THEN now() + make_interval(secs => LEAST($4, $3 * power(2, LEAST(${n} - $2 - 1, 30)))) END`;
    const name = normalizeLogin(login);
    const [row] = await preparedQuery<ReserveRow>(
      this.throttles,
      withUser ? 'reserve-login-find-user' : 'reserve-login',
      `WITH attempt AS (
         INSERT INTO login_throttles AS t (login_hash, failures, last_failure_at, locked_until)
         VALUES ($1, 1, now(), ${lock('1')})
         ON CONFLICT (login_hash) DO UPDATE
           SET failures = ${count}, last_failure_at = now(), locked_until = ${lock(count)}
           WHERE t.locked_until IS NULL OR t.locked_until <= now()
         RETURNING EXTRACT(EPOCH FROM t.locked_until - now()) AS lock_seconds)
       SELECT EXISTS (SELECT 1 FROM attempt) AS allowed,
              (SELECT lock_seconds FROM attempt) AS lock_seconds,
              (SELECT EXTRACT(EPOCH FROM locked_until - now()) FROM login_throttles
                WHERE login_hash = $1) AS remaining,
              u.id, u.email, u.username, u.numeric_id, u.password_hash, u.is_active,
              u.permissions, u.last_login_at, u.imported_at, u.created_at, u.updated_at
         FROM (SELECT 1) AS one
         LEFT JOIN LATERAL (
           SELECT * FROM users WHERE ${withUser ? 'email = $6 OR username = $6' : 'false'}
            ORDER BY email = $6 DESC LIMIT 1) AS u ON true`,
      [loginHash(name), freeAttempts, baseSeconds, maxSeconds, windowSeconds, name],
    );
    const attempt: LoginAttempt = row.allowed
      ? {
          allowed: true,
          lockSeconds: row.lock_seconds === null ? 0 : Math.ceil(Number(row.lock_seconds)),
        }
      : // At least 1: the lock may end as the statement runs.
        { allowed: false, retryAfter: Math.max(1, Math.ceil(Number(row.remaining ?? 1))) };
    const user = row.id === null ? null : userFromRow({ ...row, id: row.id });
    return { attempt, user };
  }

  /** Forgets the attempts of a login name (after a successful login). */
  async reset(login: string): Promise<void> {
    await this.throttles.delete({ loginHash: loginHash(normalizeLogin(login)) });
  }
}

/** The login name's SHA-256, of its normalised form: the table holds no login names. */
function loginHash(normalized: string): string {
  return createHash('sha256').update(normalized).digest('hex');
}

interface ReserveRow extends Omit<UserRow, 'id'> {
  allowed: boolean;
  lock_seconds: string | null;
  remaining: string | null;
  id: string | null;
}
