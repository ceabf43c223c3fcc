import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, Repository, WhereExpressionBuilder } from 'typeorm';
import { Actor, AuditService } from '@nest-sso/audit';
import { SessionCache } from './session-cache';
import { RevocationReason, Session } from './session.entity';

/** A session that was active and is now ended. */
export interface EndedSession {
  id: string;
  userId: string;
  /** The session's client (`sessions.client_id`), `''` when it named none. */
  clientId: string;
}

/**
 * The one way sessions end, whatever the door (a user's logout, the admin API, the CLI, a
 * password change, a deactivation, the session cap): the rows are revoked in one statement, and
 * one `session_revoked` audit event per ended session records the reason and the actor. Only
 * sessions that were active count; ending an ended session is a no-op, never a second event.
 */
@Injectable()
export class EndSessionsUseCase {
  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    private readonly audit: AuditService,
    private readonly cache: SessionCache,
  ) {}

  /**
   * Ends session `id`; with `ownerId`, only if it belongs to that user (another user's session
   * is as unknown as a missing one). Returns whether an active session was ended.
   */
  async one(
    id: string,
    reason: RevocationReason,
    actor: Actor,
    ownerId?: string,
  ): Promise<boolean> {
    const ended = await this.end(reason, actor, (q) => {
      q.where('id = :id', { id });
      if (ownerId !== undefined) q.andWhere('user_id = :ownerId', { ownerId });
    });
    return ended.length > 0;
  }

  /** Ends every active session of `userId`, except `exceptId`. Returns the ended sessions' ids. */
  async allOf(
    userId: string,
    reason: RevocationReason,
    actor: Actor,
    exceptId?: string,
  ): Promise<string[]> {
    const ended = await this.end(reason, actor, (q) => {
      q.where('user_id = :userId', { userId });
      if (exceptId !== undefined) q.andWhere('id <> :exceptId', { exceptId });
    });
    return ended.map((session) => session.id);
  }

  /**
   * Ends the oldest active sessions of `userId` beyond the newest `keep` (the session cap,
   * `SSO_MAX_SESSIONS_PER_USER`). Returns the ended sessions' ids.
   */
  async beyond(userId: string, keep: number, actor: Actor): Promise<string[]> {
    const ended = await this.end('session_limit', actor, (q) =>
      q.where(
        `id IN (SELECT id FROM sessions WHERE user_id = :userId
                   AND (revoked_at IS NULL OR revoked_at > now())
                 ORDER BY created_at DESC, id DESC OFFSET :keep)`,
        { userId, keep },
      ),
    );
    return ended.map((session) => session.id);
  }

  private async end(
    reason: RevocationReason,
    actor: Actor,
    where: (q: WhereExpressionBuilder) => void,
  ): Promise<EndedSession[]> {
    const result = await this.sessions
      .createQueryBuilder()
      .update()
      .set({ revokedAt: () => 'now()', revokedReason: reason })
      .where(new Brackets(where))
      // Active only: a future revoked_at is a scheduled expiry, which ending brings forward.
      .andWhere(new Brackets((q) => q.where('revoked_at IS NULL').orWhere('revoked_at > now()')))
      .returning('id, user_id, client_id')
      .execute();
    const ended = (result.raw as { id: string; user_id: string; client_id: string }[]).map(
      (row) => ({ id: row.id, userId: row.user_id, clientId: row.client_id }),
    );
    // This process stops honouring them before it answers; the others hear it from the
    // database trigger (NOTIFY) the moment the update commits.
    this.cache.forgetSessions(ended.map((session) => session.id));
    // …and answers once PostgreSQL has sent that notification to every listener.
    await this.cache.notified(ended.map((session) => `s:${session.id}`));
    await this.audit.record(
      ...ended.map((session) => ({
        type: 'session_revoked' as const,
        actor,
        userId: session.userId,
        sessionId: session.id,
        reason,
        clientId: session.clientId,
      })),
    );
    return ended;
  }
}
