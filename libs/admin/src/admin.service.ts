import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import {
  AccountConflictError,
  AccountNotFoundError,
  AccountsService,
  Membership,
} from '@nest-sso/accounts';
import { AuditService } from '@nest-sso/audit';
import { SsoError } from '@nest-sso/common';
import { RevocationReason, Session, SessionsService } from '@nest-sso/sessions';
import { PasswordHasher, User, UserConflictError, UsersService } from '@nest-sso/users';
import type { CreateUserDto, UpdateUserDto } from './admin.dto';

/** Who is acting: the admin's user and session ids, for the audit trail. */
export interface Actor {
  uid: string;
  sid: string;
  ip: string | undefined;
}

/** What operators do through the admin API; every change lands in the audit trail. */
@Injectable()
export class AdminService {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordHasher,
    private readonly accounts: AccountsService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
  ) {}

  async createUser(actor: Actor, input: CreateUserDto): Promise<User> {
    const user = await conflicts(() => this.users.create(input));
    await this.record(actor, 'user_created', user.id);
    return user;
  }

  listUsers(limit: number, offset: number): Promise<[User[], number]> {
    return this.users.list(limit, offset);
  }

  async getUser(id: string): Promise<User> {
    const user = isUUID(id) ? await this.users.findById(id) : null;
    if (!user) throw new SsoError('not_found', 'No such user');
    return user;
  }

  async updateUser(actor: Actor, id: string, changes: UpdateUserDto): Promise<User> {
    await this.getUser(id);
    const user = (await conflicts(() =>
      this.users.update(id, {
        email: changes.email,
        username: changes.username,
        permissions: changes.permissions,
        isActive: changes.is_active,
      }),
    ))!;
    await this.record(actor, 'user_updated', id);
    if (changes.is_active === false) await this.endSessions(actor, id, 'user_deactivated');
    return user;
  }

  /** Sets a new password and ends every session of the user. Returns how many ended. */
  async setPassword(actor: Actor, id: string, password: string): Promise<number> {
    await this.getUser(id);
    await this.users.setPasswordHash(id, await this.passwords.hash(password));
    await this.record(actor, 'password_reset', id);
    return this.endSessions(actor, id, 'password_changed');
  }

  async createAccount(actor: Actor, name: string) {
    try {
      const account = await this.accounts.create(name);
      await this.record(actor, `account_created ${account.id}`, null);
      return account;
    } catch (error) {
      if (error instanceof AccountConflictError) throw new SsoError('conflict', error.message);
      throw error;
    }
  }

  listAccounts() {
    return this.accounts.list();
  }

  async setMembership(actor: Actor, accountRef: string, userId: string, permissions: string[]) {
    await this.getUser(userId);
    const membership: Membership = await accountExists(() =>
      this.accounts.setMembership(accountRef, userId, permissions),
    );
    await this.record(actor, `membership_set ${membership.accountId}`, userId);
    return membership;
  }

  async removeMembership(actor: Actor, accountRef: string, userId: string): Promise<void> {
    await this.getUser(userId);
    if (!(await accountExists(() => this.accounts.removeMembership(accountRef, userId)))) {
      throw new SsoError('not_found', 'No such membership');
    }
    await this.record(actor, `membership_removed ${accountRef}`.slice(0, 70), userId);
  }

  async listSessions(userId: string): Promise<Session[]> {
    await this.getUser(userId);
    return this.sessions.listActive(userId);
  }

  async revokeSession(actor: Actor, id: string): Promise<void> {
    const session = isUUID(id) ? await this.sessions.findById(id) : null;
    if (!session || !(await this.sessions.revokeById(id, 'operator'))) {
      throw new SsoError('not_found', 'No such active session');
    }
    await this.recordRevoked(actor, session.userId, [id], 'operator');
  }

  private async endSessions(actor: Actor, userId: string, reason: RevocationReason) {
    const ended = await this.sessions.revokeAll(userId, reason);
    await this.recordRevoked(actor, userId, ended, reason);
    return ended.length;
  }

  private recordRevoked(actor: Actor, userId: string, ids: string[], reason: RevocationReason) {
    return this.audit.record(
      ...ids.map((sessionId) => ({
        type: 'session_revoked' as const,
        userId,
        sessionId,
        ipAddress: actor.ip,
        reason: `${reason} by ${actor.uid}`,
      })),
    );
  }

  /** `admin_action` event: the target user, the admin's session, and "<action> by <admin uid>". */
  private record(actor: Actor, action: string, targetUserId: string | null) {
    return this.audit.record({
      type: 'admin_action',
      userId: targetUserId,
      sessionId: actor.sid,
      ipAddress: actor.ip,
      reason: `${action} by ${actor.uid}`,
    });
  }
}

async function conflicts<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof UserConflictError) throw new SsoError('conflict', error.message);
    throw error;
  }
}

async function accountExists<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof AccountNotFoundError) throw new SsoError('not_found', 'No such account');
    throw error;
  }
}
