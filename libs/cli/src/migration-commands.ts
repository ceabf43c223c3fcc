import { DataSource } from 'typeorm';
import { revertLastMigration, runMigrations } from '@nest-sso/database';
import type { CliContext } from './cli-context';
import type { DefineCommand, Print } from './command';

/** migrations:* — they manage migrations themselves, so the context applies none at start. */
export function registerMigrationCommands(
  define: DefineCommand,
  context: CliContext,
  print: Print,
) {
  const dataSource = async () => (await context.app({ migrate: false })).get(DataSource);

  define('migrations:run', 'Apply pending database migrations').action(async () => {
    const applied = await runMigrations(await dataSource());
    print(
      applied.length === 0
        ? 'No pending migrations'
        : applied.map((m) => `Applied ${m.name}`).join('\n'),
    );
  });

  define('migrations:show', 'List migrations and whether each is applied').action(async () => {
    const source = await dataSource();
    const applied = new Set(
      (await source.query<{ name: string }[]>(`SELECT name FROM migrations`).catch(() => [])).map(
        (row) => row.name,
      ),
    );
    print(
      source.migrations
        .map((m) => `${applied.has(m.name ?? '') ? '[X]' : '[ ]'} ${m.name}`)
        .join('\n'),
    );
  });

  define('migrations:revert', 'Revert the last applied migration').action(async () => {
    await revertLastMigration(await dataSource());
    print('Reverted the last migration');
  });
}
