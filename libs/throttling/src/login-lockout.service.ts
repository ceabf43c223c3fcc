import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { Repository } from 'typeorm';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { normalizeLogin } from '@nest-sso/users';
import { LoginThrottle } from './login-throttle.entity';

/**
 * Progressive lockout of a login name after failed logins, in PostgreSQL so that every replica
 * sees it. After `freeAttempts` failures within the window, each further failure locks the name
 * for `baseSeconds`, doubling up to `maxSeconds`. The name is counted whether or not a user has
 * it, so a lockout reveals nothing about which accounts exist.
 */
@Injectable()
export class LoginLockoutService {
  constructor(
    @InjectRepository(LoginThrottle) private readonly throttles: Repository<LoginThrottle>,
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
  ) {}

  /** Seconds left on the login name's lockout, or 0 when it may try. */
  async lockedFor(login: string): Promise<number> {
    const rows = await this.throttles.query<{ remaining: string }[]>(
      `SELECT EXTRACT(EPOCH FROM locked_until - now()) AS remaining
         FROM login_throttles WHERE login_hash = $1 AND locked_until > now()`,
      [loginHash(login)],
    );
    return rows.length === 0 ? 0 : Math.ceil(Number(rows[0].remaining));
  }

  /**
   * Counts one failure, atomically (concurrent failures on several replicas all count). Returns
   * the lockout it starts, in seconds, or 0.
   */
  async recordFailure(login: string): Promise<number> {
    const { freeAttempts, baseSeconds, maxSeconds, windowSeconds } = this.config.loginLockout;
    const failures = `CASE WHEN t.last_failure_at < now() - make_interval(secs => $5) THEN 1 ELSE t.failures + 1 END`;
    const lock = (f: string) =>
      `CASE WHEN ${f} > $2 THEN now() + make_interval(secs => LEAST($4, $3 * power(2, LEAST(${f} - $2 - 1, 30)))) END`;
    const rows = await this.throttles.query<{ remaining: string | null }[]>(
      `INSERT INTO login_throttles AS t (login_hash, failures, last_failure_at, locked_until)
       VALUES ($1, 1, now(), ${lock('1')})
       ON CONFLICT (login_hash) DO UPDATE
         SET failures = ${failures}, last_failure_at = now(), locked_until = ${lock(failures)}
       RETURNING EXTRACT(EPOCH FROM t.locked_until - now()) AS remaining`,
      [loginHash(login), freeAttempts, baseSeconds, maxSeconds, windowSeconds],
    );
    const remaining = rows[0]?.remaining;
    return remaining === null || remaining === undefined ? 0 : Math.ceil(Number(remaining));
  }

  /** Forgets the failures of a login name (after a successful login). */
  async reset(login: string): Promise<void> {
    await this.throttles.delete({ loginHash: loginHash(login) });
  }
}

function loginHash(login: string): string {
  return createHash('sha256').update(normalizeLogin(login)).digest('hex');
}
