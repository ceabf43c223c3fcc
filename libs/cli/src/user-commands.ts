import { UserAdminUseCase } from '@nest-sso/admin';
import { Actors } from '@nest-sso/audit';
import type { CliContext } from './cli-context';
import type { DefineCommand, Print } from './command';
import { permissionList, readSecret } from './read-secret';

interface PasswordOptions {
  password?: string;
  passwordStdin?: boolean;
}

/** users:* — the same use cases as the admin API's /admin/users routes. */
export function registerUserCommands(define: DefineCommand, context: CliContext, print: Print) {
  const users = async () => (await context.app()).get(UserAdminUseCase);

  define('users:create', 'Create a user')
    .requiredOption('--email <email>', 'email address (a login name)')
    .option('--username <name>', 'username (another login name)')
    .option('--password <password>', 'the password (prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--permissions <list>', 'global permissions, comma-separated')
    .action(
      async (
        options: { email: string; username?: string; permissions?: string } & PasswordOptions,
      ) => {
        const password = await readSecret(options);
        const user = await (
          await users()
        ).create(Actors.cli(), {
          email: options.email,
          username: options.username,
          password,
          permissions: permissionList(options.permissions),
        });
        print(`Created user ${user.id} <${user.email}>`);
      },
    );

  define('users:activate', 'Reactivate a user (their ended sessions stay ended)')
    .requiredOption('--email <login>', 'email or username')
    .action(async (options: { email: string }) => {
      const admin = await users();
      const user = await admin.getByLogin(options.email);
      await admin.update(Actors.cli(), user.id, { isActive: true });
      print(`Activated user ${user.id} <${user.email}>`);
    });

  define(
    'users:deactivate',
    'Deactivate a user and end all their sessions: logins and authorize calls fail from now on',
  )
    .requiredOption('--email <login>', 'email or username')
    .action(async (options: { email: string }) => {
      const admin = await users();
      const user = await admin.getByLogin(options.email);
      const { endedSessions } = await admin.update(Actors.cli(), user.id, { isActive: false });
      print(`Deactivated user ${user.id} <${user.email}>; ended ${endedSessions} session(s)`);
    });

  define('users:set-password', "Set a user's password and end all their sessions")
    .requiredOption('--email <login>', 'email or username')
    .option('--password <password>', 'the new password (prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (options: { email: string } & PasswordOptions) => {
      const password = await readSecret(options);
      const admin = await users();
      const user = await admin.getByLogin(options.email);
      const ended = await admin.setPassword(Actors.cli(), user.id, password);
      print(`Set the password of ${user.email}; ended ${ended} session(s)`);
    });
}
