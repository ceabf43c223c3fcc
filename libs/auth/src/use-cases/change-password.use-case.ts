import { Injectable } from '@nestjs/common';
import { AuditService } from '@nest-sso/audit';
import { SsoError } from '@nest-sso/common';
import { SessionsService } from '@nest-sso/sessions';
import { LoginLockoutService } from '@nest-sso/throttling';
import { PasswordHasher, UsersService } from '@nest-sso/users';
import type { SessionAuth } from '../guards/session-auth.guard';
import { tooManyAttempts } from './login.use-case';

/**
 * Changes the caller's password, given the current one, and ends every other session of theirs.
 * Wrong current passwords count toward the login lockout of the user's email, so a stolen session
 * token cannot be used to guess the password at leisure.
 */
@Injectable()
export class ChangePasswordUseCase {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordHasher,
    private readonly sessions: SessionsService,
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
    const lockedFor = await this.lockout.lockedFor(user.email);
    if (lockedFor > 0) throw tooManyAttempts(lockedFor);
    if (!(await this.passwords.verify(user.passwordHash, currentPassword))) {
      await this.lockout.recordFailure(user.email);
      await this.audit.record({
        type: 'login_failed',
        userId: user.id,
        sessionId: auth.claims.sid,
        ipAddress: ip,
        reason: 'wrong_current_password',
      });
      throw new SsoError('wrong_password', 'The current password is not correct', [
        { field: 'current_password', message: 'current_password is not correct' },
      ]);
    }
    await this.users.setPasswordHash(user.id, await this.passwords.hash(newPassword));
    const ended = await this.sessions.revokeAll(user.id, 'password_changed', auth.claims.sid);
    await this.audit.record(
      { type: 'password_changed', userId: user.id, sessionId: auth.claims.sid, ipAddress: ip },
      ...ended.map((sessionId) => ({
        type: 'session_revoked' as const,
        userId: user.id,
        sessionId,
        ipAddress: ip,
        reason: 'password_changed',
      })),
    );
    return ended.length;
  }
}
