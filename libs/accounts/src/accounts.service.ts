import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { Account } from './account.entity';
import { AccountConflictError, AccountNotFoundError } from './accounts.errors';
import { Membership } from './membership.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Accounts (tenants) and the memberships that give users permissions in them. */
@Injectable()
export class AccountsService {
  constructor(
    @InjectRepository(Account) private readonly accounts: Repository<Account>,
    @InjectRepository(Membership) private readonly memberships: Repository<Membership>,
  ) {}

  async create(name: string): Promise<Account> {
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
    const account = await this.getByRef(accountRef);
    await this.memberships.upsert({ userId, accountId: account.id, permissions }, [
      'userId',
      'accountId',
    ]);
    return this.memberships.findOneOrFail({
      where: { userId, accountId: account.id },
      relations: { account: true },
    });
  }

  /** The user's membership in the account named by id or name, with the account loaded. */
  findMembership(userId: string, accountRef: string): Promise<Membership | null> {
    const account = UUID.test(accountRef)
      ? [{ id: accountRef }, { name: accountRef }]
      : [{ name: accountRef }];
    return this.memberships.findOne({
      where: account.map((where) => ({ userId, account: where })),
      relations: { account: true },
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
