import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** What happened. Stable names: operators filter and alert on them. */
export type AuthEventType =
  | 'login_succeeded'
  | 'login_failed'
  | 'login_locked'
  | 'session_revoked'
  | 'authorize_denied'
  | 'password_changed'
  | 'admin_action';

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

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ name: 'session_id', type: 'uuid', nullable: true })
  sessionId: string | null;

  @Column({ name: 'ip_address', type: 'varchar', length: 45, nullable: true })
  ipAddress: string | null;

  @Column({ type: 'varchar', length: 100, default: '' })
  reason: string;
}
