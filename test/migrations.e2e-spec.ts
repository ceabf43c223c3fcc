import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dataSourceOptions,
  MIGRATIONS,
  revertLastMigration,
  runMigrations,
} from '@nest-sso/database';
import { recreateDatabase } from './support/test-database';
import { TEST_DATABASE_URL } from './support/test-database';
import { startTestApp } from './support/test-app';

/**
 * A database of its own, so that reverting does not disturb the other suites: the test database's
 * name with `_migrations`, so that two checkouts testing side by side never share it.
 */
const url = `${TEST_DATABASE_URL}_migrations`;

describe('Migrations', () => {
  /** Reverts the migrations applied after `name`, then `name` itself (newest first). */
  const revertThrough = async (name: string) => {
    const count = MIGRATIONS.length - MIGRATIONS.findIndex((m) => m.name === name);
    for (let i = 0; i < count; i++) await revertLastMigration(dataSource);
  };
  let dataSource: DataSource;
  const tables = async () =>
    (
      await dataSource.query<{ table_name: string }[]>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      )
    ).map((row) => row.table_name);

  beforeAll(async () => {
    await recreateDatabase(url);
    dataSource = await new DataSource(
      dataSourceOptions({
        database: {
          url,
          poolSize: 1,
          connectTimeout: 5,
        },
      }),
    ).initialize();
  });
  afterAll(() => dataSource.destroy());

  it('should create every table on an empty database, then do nothing the second time', async () => {
    const applied = await runMigrations(dataSource);
    expect(applied.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await tables()).toEqual([
      'accounts',
      'auth_events',
      'login_names',
      'login_throttles',
      'memberships',
      'migrations',
      'oidc_clients',
      'oidc_consents',
      'oidc_payloads',
      'sessions',
      'users',
    ]);
    expect(await runMigrations(dataSource)).toEqual([]);
  });

  it('should match the entities exactly: TypeORM finds no schema difference', async () => {
    // The entities are the ones the feature modules register, as the running server has them.
    const server = await startTestApp({ env: { DATABASE_URL: url } });
    try {
      const entities = server.app.get(DataSource);
      expect(entities.entityMetadatas.map((m) => m.tableName).sort()).toEqual(
        (await tables()).filter((name) => name !== 'migrations'),
      );
      const sql = await entities.driver.createSchemaBuilder().log();
      expect(sql.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('should revert cleanly and apply again', async () => {
    for (let i = 0; i < MIGRATIONS.length; i++) await revertLastMigration(dataSource);
    expect(await tables()).toEqual(['migrations']);
    expect((await runMigrations(dataSource)).length).toBe(MIGRATIONS.length);
  });

  it('should list the login names two users share, refuse to apply, and apply once they are fixed', async () => {
    await revertThrough('LoginNames1764300000000');
    const [a] = await dataSource.query<{ id: string }[]>(
      `INSERT INTO users (email, username, password_hash) VALUES ('a@example.com', 'frank@example.com', 'x') RETURNING id`,
    );
    const [b] = await dataSource.query<{ id: string }[]>(
      `INSERT INTO users (email, password_hash) VALUES ('frank@example.com', 'x') RETURNING id`,
    );
    await expect(runMigrations(dataSource)).rejects.toThrow(
      `1 login name(s) belong to two users.\n  "frank@example.com": the username of user ${a.id}, the email of user ${b.id}`,
    );
    await dataSource.query(`UPDATE users SET username = 'frank' WHERE id = $1`, [a.id]);
    expect((await runMigrations(dataSource)).map((m) => m.name)).toEqual(
      MIGRATIONS.slice(MIGRATIONS.findIndex((m) => m.name === 'LoginNames1764300000000')).map(
        (m) => m.name,
      ),
    );
    // From now on the database itself refuses it.
    await expect(
      dataSource.query(`UPDATE users SET username = 'frank@example.com' WHERE id = $1`, [a.id]),
    ).rejects.toThrow(/login name is taken/);
    await dataSource.query(`DELETE FROM users`);
  });

  it("should never cut the actor's id out of an audit entry, even when reverting to reasons that carried it", async () => {
    const actor = '4f6f0f43-2b4c-4a37-9a8e-3f2d6f9b7c10';
    await dataSource.query(
      `INSERT INTO auth_events (type, reason, actor_id, via) VALUES ('admin_action', $1, $2, 'admin_api')`,
      ['r'.repeat(100), actor],
    );
    const reasons = async () =>
      (await dataSource.query<{ reason: string }[]>(`SELECT reason FROM auth_events`)).map(
        (e) => e.reason,
      );
    await revertThrough('AuditActor1764200000000'); // the actor's own column, and all after it
    const [reason] = await reasons();
    expect(reason.length).toBeLessThanOrEqual(100);
    expect(reason.endsWith(` by ${actor}`)).toBe(true);
    await runMigrations(dataSource);
    expect(await dataSource.query(`SELECT actor_id, via FROM auth_events`)).toEqual([
      { actor_id: actor, via: 'admin_api' },
    ]);
    await dataSource.query(`DELETE FROM auth_events`);
  });

  it('should keep emails unique whatever their letter case, at the database level', async () => {
    await dataSource.query(
      `INSERT INTO users (email, password_hash) VALUES ('a@example.com', 'x')`,
    );
    await expect(
      dataSource.query(`INSERT INTO users (email, password_hash) VALUES ('A@example.com', 'x')`),
    ).rejects.toThrow(/users_email_lower/);
  });
});
