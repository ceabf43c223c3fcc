import { Injectable } from '@nestjs/common';
import { Actors } from '@nest-sso/audit';
import { SsoError } from '@nest-sso/common';
import { EndSessionsUseCase, Session, SessionPage, SessionsService } from '@nest-sso/sessions';
import type { SessionAuth } from '../guards/session-auth.guard';

/** A user's own sessions: list them, end one, end the current one, end all. */
@Injectable()
export class ManageSessionsUseCase {
  constructor(
    private readonly sessions: SessionsService,
    private readonly endSessions: EndSessionsUseCase,
  ) {}

  /** A page of the caller's active sessions, and how many there are. */
  list(auth: SessionAuth, page: SessionPage): Promise<[Session[], number]> {
    return this.sessions.listActive(auth.user.id, page);
  }

  /** Ends one of the caller's sessions; anything else (unknown, another user's, revoked) is 404. */
  async revoke(auth: SessionAuth, id: string, ip: string | undefined): Promise<void> {
    const actor = Actors.user(auth.user.id, ip);
    if (!(await this.endSessions.one(id, 'revoked_by_user', actor, auth.user.id))) {
      throw new SsoError('not_found', 'No such session');
    }
  }

  async logout(auth: SessionAuth, ip: string | undefined): Promise<void> {
    await this.endSessions.one(
      auth.claims.sid,
      'logout',
      Actors.user(auth.user.id, ip),
      auth.user.id,
    );
  }

  /** Ends every session of the caller, or every other one. Returns how many ended. */
  async revokeAll(
    auth: SessionAuth,
    keepCurrent: boolean,
    ip: string | undefined,
  ): Promise<number> {
    const ended = await this.endSessions.allOf(
      auth.user.id,
      'logout_everywhere',
      Actors.user(auth.user.id, ip),
      keepCurrent ? auth.claims.sid : undefined,
    );
    return ended.length;
  }
}
