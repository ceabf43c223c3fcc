import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

/** A person who logs in. `email` and `username` are stored normalised (see `normalizeLogin`). */
@Entity({ name: 'users' })
@Check('users_email_lower', 'email = lower(email)')
@Check('users_username_lower', 'username = lower(username)')
@Check('users_numeric_id_positive', 'numeric_id > 0')
export class User {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 254, unique: true })
  email: string;

  @Column({ type: 'varchar', length: 150, nullable: true, unique: true })
  username: string | null;

  /**
   * The user's integer id when the deployment came from djangorestframework-sso: Django's primary
   * key for imported users, the next value of `users_numeric_id_seq` for users created after an
   * import (a database trigger assigns it), `null` otherwise. Tokens carry it as `uid` when set
   * (see `tokenUid`).
   */
  @Column({
    name: 'numeric_id',
    type: 'bigint',
    nullable: true,
    unique: true,
    insert: false,
    update: false,
    transformer: {
      to: (value: number | null) => value,
      from: (value: string | null) => (value === null ? null : Number(value)),
    },
  })
  numericId: number | null;

  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash: string;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive: boolean;

  /** Global permissions, put in `scopes` of authorization tokens issued without an account. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  permissions: string[];

  /** Django's `last_login`, for imported users (nest-sso records logins in the audit trail). */
  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;

  /** When `import:drf-sso` first wrote this user; `null` for users created here. */
  @Column({ name: 'imported_at', type: 'timestamptz', nullable: true })
  importedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/**
 * The `uid` claim of a user's tokens: the integer `numericId` when the user has one (the same JSON
 * number DRF-SSO put in its tokens, so downstream services see the same user), else the UUID.
 */
export function tokenUid(user: Pick<User, 'id' | 'numericId'>): string | number {
  return user.numericId ?? user.id;
}
