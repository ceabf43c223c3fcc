import { Injectable } from '@nestjs/common';
import { AuditService } from '@nest-sso/audit';
import { SsoError } from '@nest-sso/common';
import { RevocationReason, Session, SessionsService } from '@nest-sso/sessions';
import type { SessionAuth } from '../guards/session-auth.guard';

/** A user's own sessions: list them, end one, end the current one, end all. */
@Injectable()
export class ManageSessionsUseCase {
  constructor(
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
  ) {}

  list(auth: SessionAuth): Promise<Session[]> {
    return this.sessions.listActive(auth.user.id);
  }

  /** Ends one of the caller's sessions; anything else (unknown, another user's, revoked) is 404. */
  async revoke(auth: SessionAuth, id: string, ip: string | undefined): Promise<void> {
    if (!(await this.sessions.revokeOne(auth.user.id, id, 'revoked_by_user'))) {
      throw new SsoError('not_found', 'No such session');
    }
    await this.recordRevoked(auth.user.id, [id], 'revoked_by_user', ip);
  }

  async logout(auth: SessionAuth, ip: string | undefined): Promise<void> {
    if (await this.sessions.revokeOne(auth.user.id, auth.claims.sid, 'logout')) {
      await this.recordRevoked(auth.user.id, [auth.claims.sid], 'logout', ip);
    }
  }

  /** Ends every session of the caller, or every other one. Returns how many ended. */
  async revokeAll(
    auth: SessionAuth,
    keepCurrent: boolean,
    ip: string | undefined,
  ): Promise<number> {
    const ids = await this.sessions.revokeAll(
      auth.user.id,
      'logout_everywhere',
      keepCurrent ? auth.claims.sid : undefined,
    );
    await this.recordRevoked(auth.user.id, ids, 'logout_everywhere', ip);
    return ids.length;
  }

  private recordRevoked(
    userId: string,
    sessionIds: string[],
    reason: RevocationReason,
    ipAddress: string | undefined,
  ): Promise<void> {
    return this.audit.record(
      ...sessionIds.map((sessionId) => ({
        type: 'session_revoked' as const,
        userId,
        sessionId,
        ipAddress,
        reason,
      })),
    );
  }
}
