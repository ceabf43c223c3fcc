import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import type { Actor } from '@nest-sso/audit';
import { SsoError } from '@nest-sso/common';
import { EndSessionsUseCase, Session, SessionPage, SessionsService } from '@nest-sso/sessions';
import { UserAdminUseCase } from './user-admin.use-case';

/** What operators do to sessions, whichever door they use (admin API or CLI). */
@Injectable()
export class SessionAdminUseCase {
  constructor(
    private readonly sessions: SessionsService,
    private readonly endSessions: EndSessionsUseCase,
    private readonly users: UserAdminUseCase,
  ) {}

  /** A page of a user's active sessions, most recently used first, and how many there are. */
  async list(userId: string, page: SessionPage): Promise<[Session[], number]> {
    await this.users.get(userId);
    return this.sessions.listActive(userId, page);
  }

  /** Ends one session, whoever holds it; `not_found` unless it was active. */
  async end(actor: Actor, id: string): Promise<void> {
    if (!isUUID(id) || !(await this.endSessions.one(id, 'operator', actor))) {
      throw new SsoError('not_found', 'No such active session');
    }
  }

  /** Ends every session of a user. Returns how many ended. */
  async endAll(actor: Actor, userId: string): Promise<number> {
    await this.users.get(userId);
    return (await this.endSessions.allOf(userId, 'operator', actor)).length;
  }
}
