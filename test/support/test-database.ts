import { Client } from 'pg';

/**
 * PostgreSQL database the end-to-end tests use. It is dropped and re-created on every run, so it
 * is never the one in `DATABASE_URL`: set `TEST_DATABASE_URL` to point the tests elsewhere.
 */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/nest_sso_test';

/** Drops and re-creates the database named in `url`, connecting through the `postgres` database. */
export async function recreateDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[a-z0-9_]+$/.test(name) || !name.includes('test')) {
    throw new Error(
      `Refusing to recreate "${name}": test databases must be named *test* (set TEST_DATABASE_URL)`,
    );
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}
