import { CreateUserDto, SetPasswordDto, toAdminUser, UserAdminUseCase } from '@nest-sso/admin';
import { Actors } from '@nest-sso/audit';
import type { CliContext } from './cli-context';
import { DefineCommand, Print, printJson, wholeNumber } from './command';
import { permissionList, readSecret } from './read-secret';
import { table } from './table';
import { validInput } from './valid-input';

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
        const input = validInput(CreateUserDto, {
          email: options.email,
          username: options.username,
          password: await readSecret(options),
          permissions: permissionList(options.permissions),
        });
        const user = await (await users()).create(Actors.cli(), input);
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
      const { password } = validInput(SetPasswordDto, { password: await readSecret(options) });
      const admin = await users();
      const user = await admin.getByLogin(options.email);
      const ended = await admin.setPassword(Actors.cli(), user.id, password);
      print(`Set the password of ${user.email}; ended ${ended} session(s)`);
    });

  define('users:list', 'List users by email')
    .option('--limit <n>', 'how many users, 1 to 10000', '100')
    .option('--offset <n>', 'how many to skip first', '0')
    .option('--json', 'print JSON for scripts: {"users": [...], "total": n}, as GET /admin/users')
    .action(async (options: { limit: string; offset: string; json?: boolean }) => {
      const limit = wholeNumber('--limit', options.limit, 1, 10_000);
      const offset = wholeNumber('--offset', options.offset, 0, Number.MAX_SAFE_INTEGER);
      const [list, total] = await (await users()).list(limit, offset);
      if (options.json) return printJson(print, { users: list.map(toAdminUser), total });
      if (total === 0) return print('No users');
      const rows = list.map((u) => [
        u.email,
        u.username ?? '-',
        u.isActive ? 'yes' : 'no',
        u.permissions.join(',') || '-',
        u.id,
        u.createdAt.toISOString(),
      ]);
      const shown = `${list.length === 0 ? 0 : offset + 1}-${offset + list.length} of ${total}`;
      print(
        `${table(['email', 'username', 'active', 'permissions', 'id', 'created'], rows)}\n(${shown})`,
      );
    });
}
