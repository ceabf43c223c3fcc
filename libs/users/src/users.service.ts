import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { normalizeLogin } from './normalize-login';
import { PasswordHasher } from './password-hasher';
import { User } from './user.entity';
import { UserConflictError, UserNotFoundError } from './users.errors';

export interface CreateUserInput {
  email: string;
  password: string;
  username?: string;
  permissions?: string[];
}

/** Users: creation, lookup by login, activation. */
@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly passwords: PasswordHasher,
  ) {}

  async create(input: CreateUserInput): Promise<User> {
    const user = this.users.create({
      email: normalizeLogin(input.email),
      username: input.username === undefined ? null : normalizeLogin(input.username),
      passwordHash: await this.passwords.hash(input.password),
      permissions: input.permissions ?? [],
    });
    try {
      // A single-row insert needs no transaction; on the embedded database all queries share one
      // session, where concurrent BEGIN/COMMIT pairs would interleave.
      return await this.users.save(user, { transaction: false });
    } catch (error) {
      throw conflictOf(error, user) ?? error;
    }
  }

  /** The user whose email or username is `login` (after normalisation), active or not. */
  findByLogin(login: string): Promise<User | null> {
    const value = normalizeLogin(login);
    return this.users.findOne({ where: [{ email: value }, { username: value }] });
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
    const user = await this.findById(id);
    if (!user) return null;
    if (changes.email !== undefined) user.email = normalizeLogin(changes.email);
    if (changes.username !== undefined)
      user.username = changes.username === null ? null : normalizeLogin(changes.username);
    if (changes.permissions !== undefined) user.permissions = changes.permissions;
    if (changes.isActive !== undefined) user.isActive = changes.isActive;
    try {
      return await this.users.save(user, { transaction: false });
    } catch (error) {
      throw conflictOf(error, user) ?? error;
    }
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.users.update({ id: userId }, { passwordHash });
  }

  async setActive(login: string, isActive: boolean): Promise<User> {
    const user = await this.getByLogin(login);
    await this.users.update({ id: user.id }, { isActive });
    return { ...user, isActive };
  }
}

function conflictOf(error: unknown, user: User): UserConflictError | undefined {
  if (
    !(error instanceof QueryFailedError) ||
    (error.driverError as { code?: string }).code !== '23505'
  ) {
    return undefined;
  }
  const detail = String(
    (error.driverError as { detail?: string; constraint?: string }).constraint ?? '',
  );
  return detail.includes('username')
    ? new UserConflictError('username', user.username ?? '')
    : new UserConflictError('email', user.email);
}
