import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import type { FieldError } from '@nest-sso/common';
import { preparedQuery } from '@nest-sso/database';
import { assertValid, characterCount, validPermissions } from '@nest-sso/users';
import { Account } from './account.entity';
import { AccountConflictError, AccountNotFoundError } from './accounts.errors';
import { Membership } from './membership.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Longest account name, in characters (what `varchar(100)` counts). */
export const ACCOUNT_NAME_MAX_LENGTH = 100;

/** An account name: 1 to 100 characters, none of them a control character. */
function checkName(name: unknown): string {
  const errors: FieldError[] = [];
  if (typeof name !== 'string') {
    errors.push({ field: 'name', message: 'name must be a string' });
  } else if (characterCount(name) < 1 || characterCount(name) > ACCOUNT_NAME_MAX_LENGTH) {
    errors.push({
      field: 'name',
      message: `name must be 1 to ${ACCOUNT_NAME_MAX_LENGTH} characters`,
    });
  } else if (/\p{Cc}/u.test(name)) {
    errors.push({ field: 'name', message: 'name must not contain control characters' });
  }
  assertValid(errors);
  return name as string;
}

/** Accounts (tenants) and the memberships that give users permissions in them. */
@Injectable()
export class AccountsService {
  constructor(
    @InjectRepository(Account) private readonly accounts: Repository<Account>,
    @InjectRepository(Membership) private readonly memberships: Repository<Membership>,
  ) {}

  async create(name: string): Promise<Account> {
    checkName(name);
    try {
      // A single-row insert needs no transaction; on the embedded database all queries share one
      // session, where concurrent BEGIN/COMMIT pairs would interleave.
      return await this.accounts.save(this.accounts.create({ name }), { transaction: false });
    } catch (error) {
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === '23505'
      ) {
        throw new AccountConflictError(name);
      }
      throw error;
    }
  }

  /** Every account, by name. */
  list(): Promise<Account[]> {
    return this.accounts.find({ order: { name: 'ASC' } });
  }

  /** Removes the user from the account. Returns whether there was such a membership. */
  async removeMembership(accountRef: string, userId: string): Promise<boolean> {
    const account = await this.getByRef(accountRef);
    const result = await this.memberships.delete({ userId, accountId: account.id });
    return (result.affected ?? 0) > 0;
  }

  /** The account whose id or name is `ref`. */
  findByRef(ref: string): Promise<Account | null> {
    return this.accounts.findOne({
      where: UUID.test(ref) ? [{ id: ref }, { name: ref }] : { name: ref },
    });
  }

  async getByRef(ref: string): Promise<Account> {
    const account = await this.findByRef(ref);
    if (!account) throw new AccountNotFoundError(ref);
    return account;
  }

  /** Adds the user to the account, or replaces the permissions of an existing membership. */
  async setMembership(
    accountRef: string,
    userId: string,
    permissions: string[],
  ): Promise<Membership> {
    const accepted = validPermissions(permissions);
    const account = await this.getByRef(accountRef);
    await this.memberships.upsert({ userId, accountId: account.id, permissions: accepted }, [
      'userId',
      'accountId',
    ]);
    return this.memberships.findOneOrFail({
      where: { userId, accountId: account.id },
      relations: { account: true },
    });
  }

  /** The user's membership in the account named by id or name, with the account loaded. */
  /**
   * The user's membership of the account named by id or name, with the account. On the hot path
   * of `POST /authorize`: one plain SQL round trip (TypeORM's `findOne` with a relation makes two).
   */
  async findMembership(userId: string, accountRef: string): Promise<Membership | null> {
    const byId = UUID.test(accountRef);
    const rows = await preparedQuery<MembershipRow>(
      this.memberships,
      byId ? 'membership-by-id-or-name' : 'membership-by-name',
      `SELECT m.id, m.user_id, m.account_id, m.permissions, m.created_at,
              a.name AS account_name, a.created_at AS account_created_at
         FROM memberships m JOIN accounts a ON a.id = m.account_id
        WHERE m.user_id = $1 AND ${byId ? '(a.id = $3 OR a.name = $2) ORDER BY (a.id = $3) DESC' : 'a.name = $2'}
        LIMIT 1`,
      byId ? [userId, accountRef, accountRef] : [userId, accountRef],
    );
    if (rows.length === 0) return null;
    const row = rows[0];
    return Object.assign(new Membership(), {
      id: row.id,
      userId: row.user_id,
      accountId: row.account_id,
      permissions: row.permissions,
      createdAt: row.created_at,
      account: Object.assign(new Account(), {
        id: row.account_id,
        name: row.account_name,
        createdAt: row.account_created_at,
      }),
    });
  }

  /**
   * Memberships with their account and user, by account name then email: of one account, of one
   * user, of both (at most one row), or all.
   */
  listMemberships(filter: { accountId?: string; userId?: string }): Promise<Membership[]> {
    const { accountId, userId } = filter;
    return this.memberships.find({
      where: {
        ...(accountId !== undefined && { accountId }),
        ...(userId !== undefined && { userId }),
      },
      relations: { account: true, user: true },
      order: { account: { name: 'ASC' }, user: { email: 'ASC' } },
    });
  }

  /** All memberships of a user, with their accounts, by account name. */
  membershipsOf(userId: string): Promise<Membership[]> {
    return this.memberships.find({
      where: { userId },
      relations: { account: true },
      order: { account: { name: 'ASC' } },
    });
  }
}

interface MembershipRow {
  id: string;
  user_id: string;
  account_id: string;
  permissions: string[];
  created_at: Date;
  account_name: string;
  account_created_at: Date;
}
