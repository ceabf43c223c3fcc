import { Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Column } from 'typeorm';
import type { Relation } from 'typeorm';
import { User } from './user.entity';

/**
 * One login name (an email or a username) and the user it belongs to: the table that makes
 * usernames and emails one namespace. Written only by the `users_claim_login_names` trigger on
 * `users` (migration 1764300000000), never by the application.
 */
@Entity({ name: 'login_names' })
export class LoginName {
  @PrimaryColumn({ type: 'varchar', length: 254, primaryKeyConstraintName: 'login_names_pkey' })
  name: string;

  @Index('login_names_user_id_idx')
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'login_names_user_id_fkey' })
  user?: Relation<User>;
}
