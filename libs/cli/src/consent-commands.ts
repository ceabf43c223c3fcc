import { isUUID } from 'class-validator';
import type { INestApplicationContext } from '@nestjs/common';
import { ConsentAdminUseCase, UserAdminUseCase } from '@nest-sso/admin';
import { Actors } from '@nest-sso/audit';
import { toConsentDto } from '@nest-sso/oidc';
import type { User } from '@nest-sso/users';
import type { CliContext } from './cli-context';
import { CliError, DefineCommand, EXIT, Print, printJson } from './command';
import { table } from './table';

/** consents:* — users' consents to third-party clients, the same use case as the admin API. */
export function registerConsentCommands(define: DefineCommand, context: CliContext, print: Print) {
  define('consents:list', "List a user's consents to third-party clients")
    .requiredOption('--user <login or id>', 'email, username or user id')
    .option(
      '--json',
      'print JSON for scripts: {"consents": [...]}, as GET /admin/users/:id/consents',
    )
    .action(async (options: { user: string; json?: boolean }) => {
      const app = await context.app();
      const user = await userOf(app, options.user);
      const consents = await app.get(ConsentAdminUseCase).list(user.id);
      if (options.json) return printJson(print, { consents: consents.map(toConsentDto) });
      if (consents.length === 0) return print(`${user.email} has consented to no client`);
      print(
        table(
          ['client', 'id', 'scopes', 'granted', 'updated'],
          consents.map((c) => [
            c.clientName,
            c.clientId,
            c.scopes.join(' '),
            c.grantedAt.toISOString(),
            c.updatedAt.toISOString(),
          ]),
        ),
      );
    });

  define('consents:revoke', "Revoke a user's consent to a client; ends the client's access")
    .requiredOption('--user <login or id>', 'email, username or user id')
    .requiredOption('--client <client id>', 'the client id')
    .action(async (options: { user: string; client: string }) => {
      if (!isUUID(options.client)) {
        throw new CliError(
          `--client must be a client id, a UUID (got "${options.client}")`,
          EXIT.usage,
        );
      }
      const app = await context.app();
      const user = await userOf(app, options.user);
      await app.get(ConsentAdminUseCase).revoke(Actors.cli(), user.id, options.client);
      print(`Revoked the consent of ${user.email} to client ${options.client}`);
    });
}

/** The user named by id (a UUID) or by email or username. */
function userOf(app: INestApplicationContext, user: string): Promise<User> {
  const users = app.get(UserAdminUseCase);
  return isUUID(user) ? users.get(user) : users.getByLogin(user);
}
