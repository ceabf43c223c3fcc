import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrations } from '@nest-sso/database';
import { checkPrerequisites } from './prerequisites';
import { recreateDatabase, TEST_DATABASE_URL } from './test-database';

/** Shared by the projects that need the database (integration, e2e), which Vitest sets up in turn. */
const PREPARED = Symbol.for('nest-sso.test-database-prepared');
type Holder = { [PREPARED]?: Promise<void> };

/** Once per run: the prerequisites checked, then a fresh test database with every migration applied. */
export default function setup(): Promise<void> {
  return ((globalThis as Holder)[PREPARED] ??= prepare());
}

async function prepare(): Promise<void> {
  await checkPrerequisites();
  await recreateDatabase(TEST_DATABASE_URL);
  const dataSource = await new DataSource(
    dataSourceOptions({
      database: {
        url: TEST_DATABASE_URL,
        dataDir: '',
        poolSize: 1,
        connectTimeout: 5,
      },
    }),
  ).initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
