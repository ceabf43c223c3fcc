import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Failed logins of one login name, and the lockout they earned. */
@Entity({ name: 'login_throttles' })
export class LoginThrottle {
  /** SHA-256 (hex) of the normalised login name: the table never holds what was typed. */
  @PrimaryColumn({ name: 'login_hash', type: 'char', length: 64 })
  loginHash: string;

  @Column({ type: 'integer' })
  failures: number;

  @Column({ name: 'last_failure_at', type: 'timestamptz' })
  lastFailureAt: Date;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;
}
