import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import type { FieldError } from '@nest-sso/common';
import { normalizeLogin } from './normalize-login';
import { PasswordHasher } from './password-hasher';
import { assertValid, UserRules } from './user-rules';
import { User } from './user.entity';
import { UserConflictError, UserNotFoundError } from './users.errors';

export interface CreateUserInput {
  email: string;
  password: string;
  username?: string;
  permissions?: string[];
}

/**
 * Users: creation, lookup by login, activation. Every write goes through `UserRules` first, so the
 * same input is refused whichever door it came through (HTTP API, admin API, CLI, importer), with
 * `validation_failed` naming each field.
 */
@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly passwords: PasswordHasher,
  ) {}

  async create(input: CreateUserInput): Promise<User> {
    const errors: FieldError[] = [];
    const email = UserRules.email(input.email, errors);
    const username =
      input.username === undefined ? null : UserRules.username(input.username, errors);
    const password = UserRules.password(input.password, errors);
    const permissions =
      input.permissions === undefined ? [] : UserRules.permissions(input.permissions, errors);
    assertValid(errors);
    const user = this.users.create({
      email,
      username,
      passwordHash: await this.passwords.hash(password!),
      permissions,
    });
    try {
      // A single-row insert needs no transaction; on the embedded database all queries share one
      // session, where concurrent BEGIN/COMMIT pairs would interleave.
      return await this.users.save(user, { transaction: false });
    } catch (error) {
      throw conflictOf(error, user) ?? error;
    }
  }

  /**
   * The user whose email or username is `login` (after normalisation), active or not. Emails and
   * usernames are one namespace (no user's username is another's email), and the email is looked
   * up first, so the answer is defined even for rows written before that rule.
   */
  async findByLogin(login: string): Promise<User | null> {
    const value = normalizeLogin(login);
    return (
      (await this.users.findOneBy({ email: value })) ??
      (await this.users.findOneBy({ username: value }))
    );
  }

  /** The user a token's `uid` names: a UUID, or a numeric id (`tokenUid`). */
  findByTokenUid(uid: string | number): Promise<User | null> {
    return typeof uid === 'number' ? this.users.findOneBy({ numericId: uid }) : this.findById(uid);
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  /** The user named by email or username, or a `UserNotFoundError`. */
  async getByLogin(login: string): Promise<User> {
    const user = await this.findByLogin(login);
    if (!user) throw new UserNotFoundError(login);
    return user;
  }

  /** A page of users by email, and how many there are in all. */
  list(limit: number, offset: number): Promise<[User[], number]> {
    return this.users.findAndCount({ order: { email: 'ASC' }, take: limit, skip: offset });
  }

  /** Changes a user's email, username, permissions or active flag; unknown ids give `null`. */
  async update(
    id: string,
    changes: {
      email?: string;
      username?: string | null;
      permissions?: string[];
      isActive?: boolean;
    },
  ): Promise<User | null> {
    const errors: FieldError[] = [];
    const email = changes.email === undefined ? undefined : UserRules.email(changes.email, errors);
    const username =
      changes.username === undefined || changes.username === null
        ? changes.username
        : UserRules.username(changes.username, errors);
    const permissions =
      changes.permissions === undefined
        ? undefined
        : UserRules.permissions(changes.permissions, errors);
    if (changes.isActive !== undefined && typeof changes.isActive !== 'boolean') {
      errors.push({ field: 'is_active', message: 'is_active must be true or false' });
    }
    assertValid(errors);
    const user = await this.findById(id);
    if (!user) return null;
    if (email !== undefined) user.email = email;
    if (username !== undefined) user.username = username;
    if (permissions !== undefined) user.permissions = permissions;
    if (changes.isActive !== undefined) user.isActive = changes.isActive;
    try {
      return await this.users.save(user, { transaction: false });
    } catch (error) {
      throw conflictOf(error, user) ?? error;
    }
  }

  /**
   * Sets a new password after checking it against the rules (`field` names it in the error: the
   * API calls it `new_password`). Returns whether a user had this id.
   */
  async setPassword(userId: string, password: string, field = 'password'): Promise<boolean> {
    const errors: FieldError[] = [];
    const accepted = UserRules.password(password, errors, field);
    assertValid(errors);
    const passwordHash = await this.passwords.hash(accepted!);
    const result = await this.users.update({ id: userId }, { passwordHash });
    return (result.affected ?? 0) > 0;
  }

  /** Replaces the stored hash (a rehash at login: the password itself was accepted before). */
  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.users.update({ id: userId }, { passwordHash });
  }

  async setActive(login: string, isActive: boolean): Promise<User> {
    const user = await this.getByLogin(login);
    await this.users.update({ id: user.id }, { isActive });
    return { ...user, isActive };
  }
}

/**
 * The conflict a refused write stands for: a unique violation on the email or the username
 * (`users_*_key`), or on a login name another user holds (`login_names_*`, raised by the trigger
 * that keeps usernames and emails one namespace).
 */
function conflictOf(error: unknown, user: User): UserConflictError | undefined {
  const driver = (error instanceof QueryFailedError ? error.driverError : undefined) as
    { code?: string; constraint?: string } | undefined;
  if (driver?.code !== '23505') return undefined;
  return driver.constraint?.includes('username')
    ? new UserConflictError('username', user.username ?? '')
    : new UserConflictError('email', user.email);
}
