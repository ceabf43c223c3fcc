import { Injectable } from '@nestjs/common';
import {
  Account,
  AccountConflictError,
  AccountNotFoundError,
  AccountsService,
  Membership,
} from '@nest-sso/accounts';
import { Actor, AuditService } from '@nest-sso/audit';
import { SsoError } from '@nest-sso/common';
import { SessionCache } from '@nest-sso/sessions';
import { validPermissions } from '@nest-sso/users';
import { UserAdminUseCase } from './user-admin.use-case';

/**
 * What operators do to accounts (tenants) and memberships, whichever door they use (admin API or
 * CLI). Accounts are named by id or name; every change is an `admin_action` audit event.
 */
@Injectable()
export class AccountAdminUseCase {
  constructor(
    private readonly accounts: AccountsService,
    private readonly users: UserAdminUseCase,
    private readonly audit: AuditService,
    private readonly sessionChecks: SessionCache,
  ) {}

  async create(actor: Actor, name: string): Promise<Account> {
    try {
      const account = await this.accounts.create(name);
      await this.record(actor, `account_created ${account.id}`, null);
      return account;
    } catch (error) {
      if (error instanceof AccountConflictError) throw new SsoError('conflict', error.message);
      throw error;
    }
  }

  /** Every account, by name. */
  list(): Promise<Account[]> {
    return this.accounts.list();
  }

  /**
   * Memberships, each with its account and user: of the account named by id or name, of the user,
   * of both, or all. `not_found` for an unknown account or user.
   */
  async listMemberships(filter: { account?: string; userId?: string }): Promise<Membership[]> {
    if (filter.userId !== undefined) await this.users.get(filter.userId);
    const accountId =
      filter.account === undefined
        ? undefined
        : (await accountExists(() => this.accounts.getByRef(filter.account!))).id;
    return this.accounts.listMemberships({ accountId, userId: filter.userId });
  }

  /** Makes the user a member of the account with `permissions`, or replaces their permissions. */
  async setMembership(
    actor: Actor,
    accountRef: string,
    userId: string,
    permissions: string[],
  ): Promise<Membership> {
    validPermissions(permissions); // malformed input is refused as such, before any lookup
    await this.users.get(userId);
    const membership = await accountExists(() =>
      this.accounts.setMembership(accountRef, userId, permissions),
    );
    // Session checks carry the memberships: dropped here at once, elsewhere by the trigger.
    this.sessionChecks.forgetUser(userId);
    await this.sessionChecks.notified([`u:${userId}`]);
    await this.record(actor, `membership_set ${membership.accountId}`, userId);
    return membership;
  }

  /** Removes the user from the account; `not_found` if they were not a member. */
  async removeMembership(actor: Actor, accountRef: string, userId: string): Promise<void> {
    await this.users.get(userId);
    const account = await accountExists(() => this.accounts.getByRef(accountRef));
    if (!(await this.accounts.removeMembership(account.id, userId))) {
      throw new SsoError('not_found', 'No such membership');
    }
    this.sessionChecks.forgetUser(userId);
    await this.sessionChecks.notified([`u:${userId}`]);
    await this.record(actor, `membership_removed ${account.id}`, userId);
  }

  private record(actor: Actor, action: string, targetUserId: string | null): Promise<void> {
    return this.audit.record({ type: 'admin_action', actor, userId: targetUserId, reason: action });
  }
}

async function accountExists<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof AccountNotFoundError) throw new SsoError('not_found', error.message);
    throw error;
  }
}
