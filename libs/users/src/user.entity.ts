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

/** A `users` row as raw SQL returns it (snake_case; bigint as text), for `userFromRow`. */
export interface UserRow {
  id: string;
  email: string;
  username: string | null;
  numeric_id: string | number | null;
  password_hash: string;
  is_active: boolean;
  permissions: string[];
  last_login_at: Date | null;
  imported_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * The `User` of a raw row: the one mapping for the hand-written hot-path queries (the session
 * check, the login's lockout statement), so that a column added to the entity is added here once
 * and the type checker finds every query that must select it.
 */
export function userFromRow(row: UserRow): User {
  return Object.assign(new User(), {
    id: row.id,
    email: row.email,
    username: row.username,
    numericId: row.numeric_id === null ? null : Number(row.numeric_id),
    passwordHash: row.password_hash,
    isActive: row.is_active,
    permissions: row.permissions,
    lastLoginAt: row.last_login_at,
    importedAt: row.imported_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}
