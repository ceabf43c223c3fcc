import { Injectable } from '@nestjs/common';
import { Actors, AuditService } from '@nest-sso/audit';
import { FieldError, SsoError } from '@nest-sso/common';
import { EndSessionsUseCase } from '@nest-sso/sessions';
import { LoginLockoutService } from '@nest-sso/throttling';
import { assertValid, PasswordHasher, UserRules, UsersService } from '@nest-sso/users';
import type { SessionAuth } from '../guards/session-auth.guard';
import { tooManyAttempts } from './login.use-case';

/**
 * Changes the caller's password, given the current one, and ends every other session of theirs.
 * Attempts count toward the login lockout of the user's email (their username if they have no
 * email), and the route has a per-IP budget, so a stolen session token cannot be used to guess
 * the password at leisure.
 */
@Injectable()
export class ChangePasswordUseCase {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordHasher,
    private readonly endSessions: EndSessionsUseCase,
    private readonly lockout: LoginLockoutService,
    private readonly audit: AuditService,
  ) {}

  /** Returns how many other sessions were ended. */
  async execute(
    auth: SessionAuth,
    currentPassword: string,
    newPassword: string,
    ip: string | undefined,
  ): Promise<number> {
    const { user } = auth;
    const actor = Actors.user(user.id, ip);
    // The new password is checked first: refusing it costs no guess and no hash.
    const errors: FieldError[] = [];
    UserRules.password(newPassword, errors, 'new_password');
    assertValid(errors);
    // Counted and checked in one step with the logins of the same name (see LoginUseCase), so a
    // stolen session token gets no more guesses than a login would, however many in parallel.
    const loginName = user.email ?? user.username ?? user.id;
    const attempt = await this.lockout.reserve(loginName);
    if (!attempt.allowed) throw tooManyAttempts(attempt.retryAfter);
    if (!(await this.passwords.check(user.passwordHash, currentPassword)).valid) {
      await this.audit.record({
        type: 'login_failed',
        actor,
        sessionId: auth.claims.sid,
        reason: 'wrong_current_password',
      });
      throw new SsoError('wrong_password', 'The current password is not correct', [
        { field: 'current_password', message: 'current_password is not correct' },
      ]);
    }
    await this.lockout.reset(loginName);
    await this.users.setPassword(user.id, newPassword, 'new_password');
    await this.audit.record({
      type: 'password_changed',
      actor,
      sessionId: auth.claims.sid,
      reason: 'changed_by_user',
    });
    const ended = await this.endSessions.allOf(user.id, 'password_changed', actor, auth.claims.sid);
    return ended.length;
  }
}
