import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { Actor, AuditService } from '@nest-sso/audit';
import { SsoError } from '@nest-sso/common';
import { EndSessionsUseCase } from '@nest-sso/sessions';
import { CreateUserInput, User, UserConflictError, UsersService } from '@nest-sso/users';

/** Changes an operator may make to a user; absent fields stay as they are. */
export interface UserChanges {
  email?: string;
  username?: string;
  permissions?: string[];
  /** `false` deactivates the user and ends all their sessions. */
  isActive?: boolean;
}

/**
 * What operators do to users, whichever door they use (admin API or CLI): the same checks, the
 * same side effects, and an audit event for every change, naming the operator.
 */
@Injectable()
export class UserAdminUseCase {
  constructor(
    private readonly users: UsersService,
    private readonly endSessions: EndSessionsUseCase,
    private readonly audit: AuditService,
  ) {}

  async create(actor: Actor, input: CreateUserInput): Promise<User> {
    const user = await conflicts(() => this.users.create(input));
    await this.record(actor, 'user_created', user.id);
    return user;
  }

  /** A page of users by email, and how many there are in all. */
  list(limit: number, offset: number): Promise<[User[], number]> {
    return this.users.list(limit, offset);
  }

  /** The user with this id; `not_found` otherwise (including ids that are not UUIDs). */
  async get(id: string): Promise<User> {
    const user = isUUID(id) ? await this.users.findById(id) : null;
    if (!user) throw new SsoError('not_found', 'No such user');
    return user;
  }

  /** The user whose email or username is `login` (the CLI's way to name users). */
  async getByLogin(login: string): Promise<User> {
    const user = await this.users.findByLogin(login);
    if (!user) throw new SsoError('not_found', `No user "${login}"`);
    return user;
  }

  /**
   * Applies `changes`; deactivating ends every session of the user. Returns the user as changed
   * and how many sessions ended.
   */
  async update(
    actor: Actor,
    id: string,
    changes: UserChanges,
  ): Promise<{ user: User; endedSessions: number }> {
    const before = await this.get(id);
    const user = (await conflicts(() => this.users.update(id, changes)))!;
    const { isActive, ...fields } = changes;
    // Activation is its own event, so that an auditor finds who switched a user off or on.
    if (Object.values(fields).some((value) => value !== undefined)) {
      await this.record(actor, 'user_updated', id);
    }
    if (isActive !== undefined && isActive !== before.isActive) {
      await this.record(actor, isActive ? 'user_activated' : 'user_deactivated', id);
    }
    const ended =
      changes.isActive === false ? await this.endSessions.allOf(id, 'user_deactivated', actor) : [];
    return { user, endedSessions: ended.length };
  }

  /** Sets a new password and ends every session of the user. Returns how many ended. */
  async setPassword(actor: Actor, id: string, password: string): Promise<number> {
    await this.get(id);
    await this.users.setPassword(id, password);
    await this.audit.record({
      type: 'password_changed',
      actor,
      userId: id,
      reason: 'reset_by_operator',
    });
    return (await this.endSessions.allOf(id, 'password_changed', actor)).length;
  }

  /** `admin_action` event: what was done, to whom, by whom. */
  private record(actor: Actor, action: string, targetUserId: string): Promise<void> {
    return this.audit.record({ type: 'admin_action', actor, userId: targetUserId, reason: action });
  }
}

async function conflicts<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof UserConflictError) {
      throw new SsoError('conflict', error.message, [
        { field: error.field, message: error.message },
      ]);
    }
    throw error;
  }
}
