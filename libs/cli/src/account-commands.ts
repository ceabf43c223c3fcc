import { AccountAdminUseCase, UserAdminUseCase } from '@nest-sso/admin';
import { Actors } from '@nest-sso/audit';
import type { CliContext } from './cli-context';
import type { DefineCommand, Print } from './command';
import { permissionList } from './read-secret';

/** accounts:* and memberships:* — the same use cases as the admin API's /admin/accounts routes. */
export function registerAccountCommands(define: DefineCommand, context: CliContext, print: Print) {
  define('accounts:create', 'Create an account (tenant)')
    .requiredOption('--name <name>', 'the account name')
    .action(async (options: { name: string }) => {
      const app = await context.app();
      const account = await app.get(AccountAdminUseCase).create(Actors.cli(), options.name);
      print(`Created account ${account.id} "${account.name}"`);
    });

  define('memberships:add', "Add a user to an account, or replace the member's permissions")
    .requiredOption('--account <account>', 'account id or name')
    .requiredOption('--email <login>', 'email or username')
    .option('--permissions <list>', 'permissions in the account, comma-separated')
    .action(async (options: { account: string; email: string; permissions?: string }) => {
      const app = await context.app();
      const user = await app.get(UserAdminUseCase).getByLogin(options.email);
      const membership = await app
        .get(AccountAdminUseCase)
        .setMembership(Actors.cli(), options.account, user.id, permissionList(options.permissions));
      print(
        `${user.email} is a member of "${membership.account?.name}" with [${membership.permissions.join(', ')}]`,
      );
    });
}
