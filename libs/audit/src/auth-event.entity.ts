import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { AuditChannel } from './actor';

/** What happened. Stable names: operators filter and alert on them. */
export type AuthEventType =
  | 'login_succeeded'
  | 'login_failed'
  | 'login_locked'
  | 'session_revoked'
  | 'authorize_denied'
  | 'password_changed'
  | 'admin_action'
  | 'consent_granted'
  | 'consent_revoked';

/**
 * One line of the audit trail. It never holds a token, a password or a login name as typed:
 * only ids, the client IP and a short reason code.
 */
@Entity({ name: 'auth_events' })
@Index('auth_events_user_id_at_idx', ['userId', 'at'])
export class AuthEvent {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Index('auth_events_at_idx')
  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;

  @Column({ type: 'varchar', length: 40 })
  type: AuthEventType;

  /** The user the event is about (whose session, whose account). */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ name: 'session_id', type: 'uuid', nullable: true })
  sessionId: string | null;

  /** The user who acted: the user themself, an administrator, or `null` (CLI, system). */
  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId: string | null;

  /** The door the action came through. */
  @Column({ type: 'varchar', length: 16, default: 'api' })
  via: AuditChannel;

  @Column({ name: 'ip_address', type: 'varchar', length: 45, nullable: true })
  ipAddress: string | null;

  /** A reason code from a fixed vocabulary (see docs), never free text from a request. */
  @Column({ type: 'varchar', length: 100, default: '' })
  reason: string;

  /**
   * The client the event came through: the OAuth client of a hosted sign-in or a consent, the
   * `client_id` of `POST /session`; `null` when none.
   */
  @Column({ name: 'client_id', type: 'varchar', length: 1000, nullable: true })
  clientId: string | null;
}
