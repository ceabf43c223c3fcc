import {
  AccountAdminUseCase,
  CreateAccountDto,
  SetMembershipDto,
  toAdminMembership,
  UserAdminUseCase,
} from '@nest-sso/admin';
import { Actors } from '@nest-sso/audit';
import { validPermissions } from '@nest-sso/users';
import type { CliContext } from './cli-context';
import { DefineCommand, Print, printJson } from './command';
import { permissionList } from './read-secret';
import { table } from './table';
import { validInput } from './valid-input';

/** accounts:* and memberships:* — the same use cases as the admin API's /admin/accounts routes. */
export function registerAccountCommands(define: DefineCommand, context: CliContext, print: Print) {
  define('accounts:create', 'Create an account (tenant)')
    .requiredOption('--name <name>', 'the account name')
    .action(async (options: { name: string }) => {
      const { name } = validInput(CreateAccountDto, { name: options.name });
      const app = await context.app();
      const account = await app.get(AccountAdminUseCase).create(Actors.cli(), name);
      print(`Created account ${account.id} "${account.name}"`);
    });

  define('memberships:add', "Add a user to an account, or replace the member's permissions")
    .requiredOption('--account <account>', 'account id or name')
    .requiredOption('--email <login>', 'email or username')
    .option('--permissions <list>', 'permissions in the account, comma-separated')
    .action(async (options: { account: string; email: string; permissions?: string }) => {
      const { permissions } = validInput(SetMembershipDto, {
        permissions: permissionList(options.permissions),
      });
      validPermissions(permissions); // the permission rules first: exit 2, not "No user"
      const app = await context.app();
      const user = await app.get(UserAdminUseCase).getByLogin(options.email);
      const membership = await app
        .get(AccountAdminUseCase)
        .setMembership(Actors.cli(), options.account, user.id, permissions);
      print(
        `${user.email} is a member of "${membership.account?.name}" with [${membership.permissions.join(', ')}]`,
      );
    });

  define('accounts:list', 'List accounts by name')
    .option('--json', 'print JSON for scripts: {"accounts": [...]}, as GET /admin/accounts')
    .action(async (options: { json?: boolean }) => {
      const accounts = await (await context.app()).get(AccountAdminUseCase).list();
      if (options.json) {
        return printJson(print, { accounts: accounts.map((a) => ({ id: a.id, name: a.name })) });
      }
      if (accounts.length === 0) return print('No accounts');
      print(
        table(
          ['name', 'id', 'created'],
          accounts.map((a) => [a.name, a.id, a.createdAt.toISOString()]),
        ),
      );
    });

  define('memberships:list', "List memberships: an account's members, a user's accounts, or all")
    .option('--account <account>', 'only this account (id or name)')
    .option('--email <login>', 'only this user (email or username)')
    .option('--json', 'print JSON for scripts: {"memberships": [...]}')
    .action(async (options: { account?: string; email?: string; json?: boolean }) => {
      const app = await context.app();
      const userId = options.email
        ? (await app.get(UserAdminUseCase).getByLogin(options.email)).id
        : undefined;
      const memberships = await app
        .get(AccountAdminUseCase)
        .listMemberships({ account: options.account, userId });
      if (options.json) {
        return printJson(print, {
          memberships: memberships.map((m) => ({ ...toAdminMembership(m), email: m.user?.email })),
        });
      }
      if (memberships.length === 0) return print('No memberships');
      print(
        table(
          ['account', 'user', 'permissions'],
          memberships.map((m) => [
            m.account?.name ?? m.accountId,
            m.user?.email ?? m.userId,
            m.permissions.join(',') || '-',
          ]),
        ),
      );
    });

  define('memberships:remove', 'Remove a user from an account')
    .requiredOption('--account <account>', 'account id or name')
    .requiredOption('--email <login>', 'email or username')
    .action(async (options: { account: string; email: string }) => {
      const app = await context.app();
      const user = await app.get(UserAdminUseCase).getByLogin(options.email);
      await app.get(AccountAdminUseCase).removeMembership(Actors.cli(), options.account, user.id);
      print(`Removed ${user.email} from "${options.account}"`);
    });
}
