import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isIP } from 'node:net';
import { Brackets, Repository } from 'typeorm';
import { Session, USER_AGENT_MAX_LENGTH } from './session.entity';

export interface CreateSessionInput {
  userId: string;
  clientId: string;
  ipAddress: string | undefined;
  userAgent: string | undefined;
  /** Seconds until the session expires by itself; `null` for never. */
  expiresIn: number | null;
}

/** Sessions: created at login, checked on every authorize, revoked to log out. */
@Injectable()
export class SessionsService {
  constructor(@InjectRepository(Session) private readonly sessions: Repository<Session>) {}

  create(input: CreateSessionInput): Promise<Session> {
    const session = this.sessions.create({
      userId: input.userId,
      clientId: input.clientId,
      ipAddress: input.ipAddress && isIP(input.ipAddress) ? input.ipAddress : null,
      userAgent: (input.userAgent ?? '').slice(0, USER_AGENT_MAX_LENGTH),
      revokedAt: input.expiresIn === null ? null : new Date(Date.now() + input.expiresIn * 1000),
    });
    // A single-row insert needs no transaction; on the embedded database all queries share one
    // session, where concurrent BEGIN/COMMIT pairs would interleave.
    return this.sessions.save(session, { transaction: false });
  }

  /** The session if it exists and is not revoked (a future `revokedAt` is not yet revoked), with its user. */
  findActive(id: string): Promise<Session | null> {
    return this.sessions
      .createQueryBuilder('session')
      .innerJoinAndSelect('session.user', 'user')
      .where('session.id = :id', { id })
      .andWhere(
        new Brackets((q) =>
          q.where('session.revoked_at IS NULL').orWhere('session.revoked_at > now()'),
        ),
      )
      .getOne();
  }

  /**
   * Records use of the session, at most once per `intervalSeconds`: the row is written only when
   * the stored time is older, so a busy client costs no write per request.
   */
  async touch(session: Session, intervalSeconds: number): Promise<void> {
    const now = Date.now();
    if (session.lastUsedAt && now - session.lastUsedAt.getTime() < intervalSeconds * 1000) return;
    await this.sessions
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: () => 'now()' })
      .where('id = :id', { id: session.id })
      .andWhere(
        new Brackets((q) =>
          q
            .where('last_used_at IS NULL')
            .orWhere('last_used_at < now() - make_interval(secs => :interval)', {
              interval: intervalSeconds,
            }),
        ),
      )
      .execute();
  }

  /** Revokes the session now, unless it is already revoked. Returns whether a row changed. */
  async revoke(id: string): Promise<boolean> {
    const result = await this.sessions
      .createQueryBuilder()
      .update()
      .set({ revokedAt: () => 'now()' })
      .where('id = :id', { id })
      .andWhere(new Brackets((q) => q.where('revoked_at IS NULL').orWhere('revoked_at > now()')))
      .execute();
    return (result.affected ?? 0) > 0;
  }

  findById(id: string): Promise<Session | null> {
    return this.sessions.findOneBy({ id });
  }
}
