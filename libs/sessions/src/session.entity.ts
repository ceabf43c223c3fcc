import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import type { Relation } from 'typeorm';
import { User } from '@nest-sso/users';

/** Longest client id accepted at login. */
export const CLIENT_ID_MAX_LENGTH = 100;
/** Longest client id stored: DRF-SSO's column, so that imported sessions keep theirs. */
export const STORED_CLIENT_ID_MAX_LENGTH = 1000;
/** User agents are truncated to this length when stored. */
export const USER_AGENT_MAX_LENGTH = 255;

/**
 * A login. Its id is the `sid` claim of every token it yields; revoking the row ends the session
 * token. A `revokedAt` in the future is a scheduled expiry.
 */
@Entity({ name: 'sessions' })
export class Session {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('sessions_user_id_idx')
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'sessions_user_id_fkey' })
  user?: Relation<User>;

  @Column({ name: 'client_id', type: 'varchar', length: STORED_CLIENT_ID_MAX_LENGTH, default: '' })
  clientId: string;

  @Column({ name: 'ip_address', type: 'varchar', length: 45, nullable: true })
  ipAddress: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: USER_AGENT_MAX_LENGTH, default: '' })
  userAgent: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  /** Why the session ended (`logout`, `password_changed`, …); `null` while active or for a scheduled expiry. */
  @Column({ name: 'revoked_reason', type: 'varchar', length: 40, nullable: true })
  revokedReason: RevocationReason | null;
}

/**
 * Why a session ended: stored in `revoked_reason` and as the `reason` of its `session_revoked`
 * audit event. One vocabulary for every door (documented in docs/security.md):
 * - `logout`: the session logged itself out (`POST /logout`);
 * - `revoked_by_user`: its user ended it from another session (`DELETE /sessions/:id`);
 * - `logout_everywhere`: its user ended all their sessions (`DELETE /sessions`);
 * - `password_changed`: its user's password changed (self-service, admin API or CLI);
 * - `user_deactivated`: its user was deactivated (admin API or CLI);
 * - `session_limit`: a newer login went over `SSO_MAX_SESSIONS_PER_USER`;
 * - `operator`: an administrator ended it (admin API or CLI).
 */
export type RevocationReason =
  | 'logout'
  | 'revoked_by_user'
  | 'logout_everywhere'
  | 'password_changed'
  | 'user_deactivated'
  | 'session_limit'
  | 'operator';
