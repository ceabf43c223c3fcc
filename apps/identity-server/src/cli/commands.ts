import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccountsService } from '@nest-sso/accounts';
import type { SsoConfig } from '@nest-sso/config';
import { revertLastMigration, runMigrations } from '@nest-sso/database';
import { UsersService } from '@nest-sso/users';
import { KEY_COMMANDS } from './key-commands';
import { SESSION_COMMANDS } from './session-commands';

/** Parsed `--name value` flags of one command. */
export type Flags = Record<string, string | undefined>;

/** What a command runs with. */
export interface CliContext {
  config: SsoConfig;
  /** The application context with the database, created on first use (key commands never need it). */
  app(): Promise<INestApplicationContext>;
}

export interface Command {
  summary: string;
  usage: string;
  /** Flags that must be present. */
  required: string[];
  /** Commands that manage migrations themselves do not run them at start. */
  migrates?: boolean;
  run(context: CliContext, flags: Flags): Promise<string>;
}

const permissionList = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');

/** Every admin command, by name. */
export const COMMANDS: Record<string, Command> = {
  ...KEY_COMMANDS,
  ...SESSION_COMMANDS,
  'users:create': {
    summary: 'Create a user',
    usage:
      "--email <email> (--password '<password>' | --password-stdin) [--username <name>] [--permissions a,b]",
    required: ['email', 'password'],
    async run(context, flags) {
      const app = await context.app();
      const user = await app.get(UsersService).create({
        email: flags.email!,
        password: flags.password!,
        username: flags.username,
        permissions: permissionList(flags.permissions),
      });
      return `Created user ${user.id} <${user.email}>`;
    },
  },
  'users:activate': {
    summary: 'Reactivate a user',
    usage: '--email <email or username>',
    required: ['email'],
    async run(context, flags) {
      const app = await context.app();
      const user = await app.get(UsersService).setActive(flags.email!, true);
      return `Activated user ${user.id} <${user.email}>`;
    },
  },
  'accounts:create': {
    summary: 'Create an account (tenant)',
    usage: '--name <name>',
    required: ['name'],
    async run(context, flags) {
      const app = await context.app();
      const account = await app.get(AccountsService).create(flags.name!);
      return `Created account ${account.id} "${account.name}"`;
    },
  },
  'memberships:add': {
    summary: "Add a user to an account, or replace the member's permissions",
    usage: '--account <id or name> --email <email or username> [--permissions a,b]',
    required: ['account', 'email'],
    async run(context, flags) {
      const app = await context.app();
      const user = await app.get(UsersService).getByLogin(flags.email!);
      const membership = await app
        .get(AccountsService)
        .setMembership(flags.account!, user.id, permissionList(flags.permissions));
      return `${user.email} is a member of "${membership.account?.name}" with [${membership.permissions.join(', ')}]`;
    },
  },
  'migrations:run': {
    summary: 'Apply pending database migrations',
    usage: '',
    required: [],
    migrates: true,
    async run(context) {
      const app = await context.app();
      const applied = await runMigrations(app.get(DataSource));
      return applied.length === 0
        ? 'No pending migrations'
        : applied.map((m) => `Applied ${m.name}`).join('\n');
    },
  },
  'migrations:show': {
    summary: 'List migrations and whether each is applied',
    usage: '',
    required: [],
    migrates: true,
    async run(context) {
      const app = await context.app();
      const dataSource = app.get(DataSource);
      const applied = new Set(
        (
          await dataSource.query<{ name: string }[]>(`SELECT name FROM migrations`).catch(() => [])
        ).map((row) => row.name),
      );
      return dataSource.migrations
        .map((m) => `${applied.has(m.name ?? '') ? '[X]' : '[ ]'} ${m.name}`)
        .join('\n');
    },
  },
  'migrations:revert': {
    summary: 'Revert the last applied migration',
    usage: '',
    required: [],
    migrates: true,
    async run(context) {
      const app = await context.app();
      await revertLastMigration(app.get(DataSource));
      return 'Reverted the last migration';
    },
  },
};
