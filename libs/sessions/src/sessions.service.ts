import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isIP } from 'node:net';
import { Brackets, Repository, SelectQueryBuilder } from 'typeorm';
import type { SessionEventColumns } from '@nest-sso/audit';
import { SsoError } from '@nest-sso/common';
import { preparedQuery } from '@nest-sso/database';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { userFromRow } from '@nest-sso/users';
import { RevocationReason, Session, USER_AGENT_MAX_LENGTH } from './session.entity';
import type { ActiveSession } from './active-session';
import { SessionCache } from './session-cache';

export interface CreateSessionInput {
  userId: string;
  clientId: string;
  ipAddress: string | undefined;
  userAgent: string | undefined;
  /** Seconds until the session expires by itself; `null` for never. */
  expiresIn: number | null;
}

/** Which sessions of a listing: `limit` of them, after skipping `offset`. */
export interface SessionPage {
  limit: number;
  offset: number;
}

/**
 * Sessions: created at login, checked on every request made with a session token, revoked to log
 * out. A session is active while it is not revoked (a future `revoked_at` is a scheduled expiry)
 * and, with `SSO_SESSION_IDLE_TIMEOUT`, while it was used recently enough.
 */
@Injectable()
export class SessionsService {
  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
    private readonly cache: SessionCache,
  ) {}

  /**
   * Opens a session. With `event` (the login's `login_succeeded`), the audit row about it is
   * inserted by the same statement: atomic with the session and no round trip of its own; it
   * names the session's client.
   */
  async create(input: CreateSessionInput, event?: SessionEventColumns): Promise<Session> {
    const [row] = await preparedQuery<SessionRow>(
      this.sessions,
      event ? 'create-session-audited' : 'create-session',
      `WITH s AS (
         INSERT INTO sessions (user_id, client_id, ip_address, user_agent, revoked_at)
         VALUES ($1, $2, $3, $4,
                 CASE WHEN $5::integer IS NULL THEN NULL ELSE now() + make_interval(secs => $5) END)
         RETURNING *)${
           event
             ? `, e AS (
         INSERT INTO auth_events (type, user_id, session_id, actor_id, via, ip_address, reason, client_id)
         SELECT $6, s.user_id, s.id, $7, $8, $9, $10, NULLIF(s.client_id, '') FROM s)`
             : ''
         }
       SELECT * FROM s`,
      [
        input.userId,
        input.clientId,
        input.ipAddress && isIP(input.ipAddress) ? input.ipAddress : null,
        (input.userAgent ?? '').slice(0, USER_AGENT_MAX_LENGTH),
        input.expiresIn,
        ...(event ? [event.type, event.actorId, event.via, event.ipAddress, event.reason] : []),
      ],
    );
    return sessionFromRow(row);
  }

  /**
   * The session if it is active, with its user and the user's memberships: one round trip, made
   * on every request with a session token unless the check is cached (`SessionCache`), so it is
   * plain SQL (the query builder and entity hydration cost more than the query itself).
   */
  async findActive(id: string): Promise<ActiveSession | null> {
    const idle = this.config.sessionIdleTimeout;
    const rows = await preparedQuery<ActiveSessionRow>(
      this.sessions,
      `active-session-${idle === null ? 'a' : 'b'}`,
      idle === null ? FIND_ACTIVE_SQL : FIND_ACTIVE_SQL + FIND_ACTIVE_IDLE_SQL,
      idle === null ? [id] : [id, idle],
    );
    return rows.length === 0 ? null : toSession(rows[0]);
  }

  /**
   * The one session check of every door that takes a token (session guard, admin guard): session
   * `sid` is active, belongs to user `uid` (the user's UUID, or their numeric id: see `tokenUid`),
   * and that user is active. Anything else is `session_revoked`, one answer whatever the reason.
   */
  async requireActive(sid: string, uid: string | number): Promise<ActiveSession> {
    const session = await this.cache.get(sid, () => this.findActive(sid));
    const owner = session?.user;
    const owned = owner !== undefined && (owner.id === uid || owner.numericId === uid);
    if (!session || !owner || !owned || !owner.isActive) {
      throw new SsoError('session_revoked', 'The session is no longer valid');
    }
    return session;
  }

  /**
   * A page of a user's active sessions, most recently used first, and how many there are in all.
   * A page, never everything: a user may hold thousands of sessions when the cap is off.
   */
  listActive(userId: string, page: SessionPage): Promise<[Session[], number]> {
    return this.active(this.sessions.createQueryBuilder('session'))
      .andWhere('session.user_id = :userId', { userId })
      .orderBy('COALESCE(session.last_used_at, session.created_at)', 'DESC')
      .addOrderBy('session.id')
      .limit(page.limit)
      .offset(page.offset)
      .getManyAndCount();
  }

  /**
   * Records use of the session, at most once per `SSO_SESSION_TOUCH_INTERVAL`: the row is written
   * only when the stored time is older, so a busy client costs no write per request.
   */
  async touch(session: Session): Promise<void> {
    const interval = this.config.sessionTouchInterval;
    if (session.lastUsedAt && Date.now() - session.lastUsedAt.getTime() < interval * 1000) return;
    // A cached check is the same object: the next requests within the interval write nothing.
    session.lastUsedAt = new Date();
    await this.sessions
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: () => 'now()' })
      .where('id = :id', { id: session.id })
      .andWhere(
        new Brackets((q) =>
          q
            .where('last_used_at IS NULL')
            .orWhere('last_used_at < now() - make_interval(secs => :interval)', { interval }),
        ),
      )
      .execute();
  }

  findById(id: string): Promise<Session | null> {
    return this.sessions.findOneBy({ id });
  }

  private active(query: SelectQueryBuilder<Session>): SelectQueryBuilder<Session> {
    query.where(
      new Brackets((q) =>
        q.where('session.revoked_at IS NULL').orWhere('session.revoked_at > now()'),
      ),
    );
    const idle = this.config.sessionIdleTimeout;
    if (idle !== null) {
      query.andWhere(
        'COALESCE(session.last_used_at, session.created_at) > now() - make_interval(secs => :idle)',
        { idle },
      );
    }
    return query;
  }
}

/** An active session and its user, by session id ($1). */
const FIND_ACTIVE_SQL = `SELECT s.id, s.user_id, s.client_id, s.ip_address, s.user_agent, s.created_at,
       s.last_used_at, s.revoked_at, s.revoked_reason,
       u.email, u.username, u.numeric_id, u.password_hash, u.is_active, u.permissions,
       u.last_login_at, u.imported_at, u.created_at AS user_created_at, u.updated_at AS user_updated_at,
       (SELECT coalesce(json_agg(json_build_array(m.id, m.account_id, a.name, m.permissions, m.created_at, a.created_at)), '[]')
          FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.user_id = s.user_id) AS memberships
  FROM sessions s JOIN users u ON u.id = s.user_id
 WHERE s.id = $1 AND (s.revoked_at IS NULL OR s.revoked_at > now())`;
/** …and used within the idle timeout ($2 seconds). */
const FIND_ACTIVE_IDLE_SQL =
  ' AND COALESCE(s.last_used_at, s.created_at) > now() - make_interval(secs => $2)';

interface SessionRow {
  id: string;
  user_id: string;
  client_id: string;
  ip_address: string | null;
  user_agent: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  revoked_reason: RevocationReason | null;
}

interface ActiveSessionRow extends SessionRow {
  email: string;
  username: string | null;
  numeric_id: string | null;
  password_hash: string;
  is_active: boolean;
  permissions: string[];
  last_login_at: Date | null;
  imported_at: Date | null;
  user_created_at: Date;
  user_updated_at: Date;
  /** `[id, account_id, account name, permissions, created_at, account created_at]` (json_agg). */
  memberships: MembershipTuple[] | string;
}

type MembershipTuple = [string, string, string, string[], string, string];

/** The `Session` of a raw `sessions` row (the hand-written hot-path queries). */
function sessionFromRow(row: SessionRow): Session {
  return Object.assign(new Session(), {
    id: row.id,
    userId: row.user_id,
    clientId: row.client_id,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    revokedReason: row.revoked_reason,
  });
}

function toSession(row: ActiveSessionRow): ActiveSession {
  const user = userFromRow({
    ...row,
    id: row.user_id,
    created_at: row.user_created_at,
    updated_at: row.user_updated_at,
  });
  return Object.assign<Session, Pick<ActiveSession, 'user' | 'memberships'>>(sessionFromRow(row), {
    user,
    // node-postgres parses json; the embedded driver may hand it over as text.
    memberships: (typeof row.memberships === 'string'
      ? (JSON.parse(row.memberships) as MembershipTuple[])
      : row.memberships
    ).map(([id, accountId, accountName, permissions, createdAt, accountCreatedAt]) => ({
      id,
      accountId,
      accountName,
      permissions,
      createdAt: new Date(createdAt),
      accountCreatedAt: new Date(accountCreatedAt),
    })),
  });
}
