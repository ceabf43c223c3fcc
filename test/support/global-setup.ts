import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrations } from '@nest-sso/database';
import { checkPrerequisites } from './prerequisites';
import { recreateDatabase, TEST_DATABASE_URL } from './test-database';

/** Once per run: the prerequisites checked, then a fresh test database with every migration applied. */
export default async function setup(): Promise<void> {
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
