import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliContext, runCli } from '@nest-sso/cli';
import { PasswordHasher } from '@nest-sso/users';
import { createUser, TEST_PASSWORD } from './support/factories';
import { adminCredential } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import { TEST_DATABASE_URL } from './support/test-database';

const ADMIN_PASSWORD = 'a long admin password';

/** Usernames and emails are one namespace of login names, whatever the door and the timing. */
describe('Login names', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    const adminEmail = `names-admin-${randomUUID().slice(0, 8)}@example.com`;
    t = await startTestApp({
      env: { SSO_ADMIN_EMAIL: adminEmail, SSO_ADMIN_PASSWORD: ADMIN_PASSWORD },
    });
    admin = await adminCredential(t.app, adminEmail, ADMIN_PASSWORD);
  });
  afterAll(() => t.close());

  const api = () => request(t.app.getHttpServer());
  const createViaApi = (body: object) =>
    api()
      .post('/admin/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({ password: 'a long password', ...body });
  const name = () => `frank-${randomUUID().slice(0, 8)}@example.com`;
  const loginStatus = async (username: string, password: string) =>
    (await api().post('/session').send({ username, password })).status;

  it("should refuse an email that is another user's username, and the reverse, on create (409)", async () => {
    const frank = name();
    const a = await createUser(t.app, { username: frank });
    const asEmail = await createViaApi({ email: frank });
    expect([asEmail.status, asEmail.body.code]).toEqual([409, 'conflict']);
    expect(asEmail.body.errors).toEqual([{ field: 'email', message: expect.any(String) }]);

    const asUsername = await createViaApi({ email: name(), username: a.email });
    expect([asUsername.status, asUsername.body.code]).toEqual([409, 'conflict']);
    expect(asUsername.body.errors).toEqual([{ field: 'username', message: expect.any(String) }]);
    // The scenario stays impossible: frank logs in as the one user who has that name.
    expect(await loginStatus(frank, TEST_PASSWORD)).toBe(200);
  });

  it('should refuse the same on update, and let a user have their own email as username', async () => {
    const a = await createUser(t.app, { username: name() });
    const b = await createUser(t.app);
    const patch = (id: string, body: object) =>
      api().patch(`/admin/users/${id}`).set('Authorization', `Bearer ${admin}`).send(body);
    expect((await patch(b.id, { username: a.email })).status).toBe(409);
    expect((await patch(b.id, { email: a.username })).status).toBe(409);
    const own = await patch(b.id, { username: b.email });
    expect([own.status, own.body.username]).toEqual([200, b.email]);
    // Freed names can be taken: b's old username is nobody's now.
    expect((await patch(a.id, { username: b.username! })).status).toBe(200);
    expect(await loginStatus(b.email, TEST_PASSWORD)).toBe(200);
  });

  it('should refuse the same at the CLI', async () => {
    const a = await createUser(t.app, { username: name() });
    let err = '';
    const code = await runCli(
      ['users:create', '--email', a.username!, '--password', 'a long password'],
      createCliContext({
        NODE_ENV: 'test',
        DATABASE_URL: TEST_DATABASE_URL,
        SSO_MIGRATE_ON_START: 'false',
      }),
      { out: () => undefined, err: (text) => (err += text) },
    );
    // A taken name is "already exists" (exit 4), as docs/cli.md documents.
    expect([code, err.trim()]).toEqual([
      4,
      `Error: Another user already logs in as "${a.username}" (as their email or username)`,
    ]);
  });

  it('should let exactly one of many racing creates take a name, the others 409, none 5xx', async () => {
    const contested = name();
    const statuses = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        createViaApi(
          i % 2 === 0 ? { email: contested } : { email: name(), username: contested },
        ).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 201 && s !== 409)).toEqual([]);
  });

  it('should look up the email first when old rows still collide', async () => {
    // Rows written before the rule: the trigger is held off for this one transaction only
    // (ALTER TABLE locks users, so no other test's write slips through meanwhile).
    const frank = name();
    const passwords = t.app.get(PasswordHasher);
    const runner = t.app.get(DataSource).createQueryRunner();
    await runner.startTransaction();
    try {
      await runner.query(`ALTER TABLE users DISABLE TRIGGER USER`);
      await runner.query(
        `INSERT INTO users (email, username, password_hash) VALUES ($1, $2, $3), ($2, NULL, $4)`,
        [
          name(),
          frank,
          await passwords.hash('password of A'),
          await passwords.hash('password of B'),
        ],
      );
      await runner.query(`ALTER TABLE users ENABLE TRIGGER USER`);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    // frank is A's username and B's email: B's email wins.
    expect(await loginStatus(frank, 'password of B')).toBe(200);
    expect(await loginStatus(frank, 'password of A')).toBe(401);
  });
});
