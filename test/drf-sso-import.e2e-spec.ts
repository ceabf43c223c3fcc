import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliContext, runCli } from '@nest-sso/cli';
import { decodePart } from './support/http';
import { PYTHON } from './support/prerequisites';
import { startTestApp, TEST_IDENTITY, TestApp } from './support/test-app';
import { recreateDatabase, TEST_DATABASE_URL } from './support/test-database';

const PROJECT = join(__dirname, 'drf-sso', 'project');
const VERIFIER = join(__dirname, 'drf-sso', 'verify_token.py');

interface Scenario {
  users: { id: number; username: string; email: string; password: string; algorithm: string }[];
  sessions: {
    live: { sid: string; token: string; uid: number };
    revoked: { sid: string; token: string };
  };
}

/**
 * The migration of issue 17, end to end, against real Django (Debian's python3-django on
 * PostgreSQL) standing in for a djangorestframework-sso deployment: users with four hashers, a
 * group and permissions, session tokens issued the DRF-SSO way; `dumpdata`; `import:drf-sso`;
 * then the clients carry on at nest-sso without logging in again.
 */
describe('import:drf-sso from a real Django deployment', () => {
  let t: TestApp;
  let scenario: Scenario;
  let exportFile: string;
  const djangoUrl = new URL(TEST_DATABASE_URL);
  djangoUrl.pathname = `/${djangoUrl.pathname.slice(1)}_drf_django`;
  // A database of its own: once imported users exist, every new user gets an integer id (the rule
  // under test), which the suites sharing the test database must not see.
  const importUrl = new URL(TEST_DATABASE_URL);
  importUrl.pathname = `${importUrl.pathname}_drf_import`;
  const env = {
    NODE_ENV: 'test',
    DATABASE_URL: importUrl.toString(),
    SSO_MIGRATE_ON_START: 'false',
  };

  const django = (args: string[], extra: Record<string, string> = {}) =>
    execFileSync(PYTHON, args, {
      cwd: PROJECT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: {
        ...process.env,
        DJANGO_DATABASE_URL: djangoUrl.toString(),
        DRF_SSO_IDENTITY: TEST_IDENTITY,
        DRF_SSO_KEY_STORE_ROOT: t.keyDir,
        DRF_SSO_PRIVATE_KEY: t.key.file,
        ...extra,
      },
    });

  const importDump = async (...flags: string[]) => {
    let out = '';
    let err = '';
    const code = await runCli(
      ['import:drf-sso', '--file', exportFile, ...flags],
      createCliContext(env, (text) => (err += text)),
      { out: (text) => (out += text), err: (text) => (err += text) },
    );
    expect(code, err).toBe(0);
    return out;
  };

  const passwordHash = async (email: string) => {
    const rows = await t.app
      .get(DataSource)
      .query<{ password_hash: string }[]>('SELECT password_hash FROM users WHERE email = $1', [
        email,
      ]);
    return rows[0].password_hash;
  };

  beforeAll(async () => {
    await recreateDatabase(importUrl.toString());
    t = await startTestApp({
      env: { DATABASE_URL: importUrl.toString(), SSO_MIGRATE_ON_START: 'true' },
    });
    const admin = new Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    const name = djangoUrl.pathname.slice(1);
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    django(['manage.py', 'migrate', '-v0']);
    scenario = JSON.parse(django(['scenario.py'])) as Scenario;
    exportFile = join(mkdtempSync(join(tmpdir(), 'drf-export-')), 'export.json');
    writeFileSync(
      exportFile,
      django([
        'manage.py',
        'dumpdata',
        'auth.user',
        'auth.group',
        'auth.permission',
        'rest_framework_sso.sessiontoken',
        '--natural-foreign',
      ]),
    );
  }, 120_000);
  afterAll(() => t.close());

  it('should import the users and sessions, and change nothing when run again', async () => {
    const dry = await importDump('--dry-run');
    expect(dry).toContain('users:       5 created');
    expect(await importDump()).toMatch(/users: +5 created[^]*sessions: +2 created[^]*skipped: +0/);
    expect(await importDump()).toMatch(
      /users: +0 created, 0 updated, 5 unchanged[^]*sessions: +0 created, 0 updated, 2 unchanged/,
    );
  });

  it('should let each user log in with their old password, and upgrade the hash to argon2id', async () => {
    expect(new Set(scenario.users.map((u) => u.algorithm))).toEqual(
      new Set(['pbkdf2_sha256', 'argon2', 'bcrypt_sha256', 'pbkdf2_sha1']),
    );
    for (const user of scenario.users) {
      expect(await passwordHash(user.email)).toMatch(new RegExp(`^${user.algorithm}\\$`));
      const response = await request(t.app.getHttpServer())
        .post('/session/')
        .send({ username: user.username, password: user.password });
      expect(response.status, user.algorithm).toBe(200);
      expect(decodePart(response.body.token as string, 1).uid).toBe(user.id);
      expect(await passwordHash(user.email)).toMatch(/^\$argon2id\$/);
    }
    // A re-import keeps the upgraded hashes: nothing changes.
    expect(await importDump()).toMatch(/users: +0 created, 0 updated, 5 unchanged/);
    await request(t.app.getHttpServer())
      .post('/session')
      .send({ username: 'nopass', password: 'anything-at-all' })
      .expect(401);
  });

  it("should authorize the DRF-SSO session token with the same uid, accepted by DRF-SSO's verifier", async () => {
    const { token, uid } = scenario.sessions.live;
    const response = await request(t.app.getHttpServer())
      .post('/authorize/')
      .set('Authorization', `JWT ${token}`)
      .expect(200);
    const auth = response.body.token as string;
    const root = mkdtempSync(join(tmpdir(), 'drf-verifier-keys-'));
    writeFileSync(join(root, t.key.file), t.key.publicPem);
    const settings = JSON.stringify({
      IDENTITY: TEST_IDENTITY,
      KEY_STORE_ROOT: root,
      PUBLIC_KEYS: { [TEST_IDENTITY]: [t.key.file] },
      ACCEPTED_ISSUERS: [TEST_IDENTITY],
      DECODE_ALGORITHMS: ['RS256'],
      EXPIRATION_LEEWAY: 0,
    });
    const payload = JSON.parse(
      execFileSync(PYTHON, [VERIFIER, settings], { input: auth, encoding: 'utf8' }),
    ) as Record<string, unknown>;
    expect(payload).toMatchObject({
      token: 'auth',
      sid: scenario.sessions.live.sid,
      cid: 'mobile-app',
      uid,
      scopes: ['auth.change_group', 'auth.view_user'],
    });
    expect(typeof payload.uid).toBe('number');
  });

  it('should refuse a session that was revoked in Django', async () => {
    const response = await request(t.app.getHttpServer())
      .post('/authorize')
      .set('Authorization', `JWT ${scenario.sessions.revoked.token}`)
      .expect(401);
    expect(response.body).toMatchObject({ statusCode: 401, code: 'session_revoked' });
  });

  it('should give users created after the import the next integer id, carried as uid', async () => {
    const highest = Math.max(...scenario.users.map((u) => u.id), 5);
    let err = '';
    const code = await runCli(
      ['users:create', '--email', 'newcomer@example.com', '--password', 'newcomer-password'],
      createCliContext(env, (text) => (err += text)),
      { out: () => undefined, err: (text) => (err += text) },
    );
    expect(code, err).toBe(0);
    const response = await request(t.app.getHttpServer())
      .post('/session')
      .send({ username: 'newcomer@example.com', password: 'newcomer-password' })
      .expect(200);
    expect(decodePart(response.body.token as string, 1).uid).toBe(highest + 1);
  });

  it('should skip bad rows whole, with their reasons, write the rest, and apply the mapping', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drf-bad-'));
    const user = (pk: number, username: string, email: string) => ({
      model: 'auth.user',
      pk,
      fields: {
        username,
        email,
        password: 'pbkdf2_sha256$1$s$x',
        is_active: true,
        date_joined: '2020-01-01T00:00:00Z',
        groups: [],
        user_permissions: [['view_user', 'auth', 'user']],
      },
    });
    const session = (pk: string, owner: string) => ({
      model: 'rest_framework_sso.sessiontoken',
      pk,
      fields: { user: [owner], client_id: '', user_agent: '', created_at: '2020-01-01T00:00:00Z' },
    });
    const file = join(dir, 'export.json');
    writeFileSync(
      file,
      JSON.stringify([
        user(1001, 'erin', 'erin@example.com'),
        user(1002, 'noemail', ''),
        user(1003, 'ERIN', 'erin2@example.com'),
        session('7c9e6679-7425-40de-944b-e07fc1f90ae7', 'erin'),
        session('not-a-uuid', 'erin'),
        session('8c9e6679-7425-40de-944b-e07fc1f90ae7', 'noemail'),
      ]),
    );
    const mapping = join(dir, 'mapping.json');
    writeFileSync(
      mapping,
      JSON.stringify({
        permissions: { 'auth.view_user': 'users:read' },
        accounts: [{ name: 'acme', members: [{ user: 'erin', permissions: ['orders:read'] }] }],
      }),
    );
    let out = '';
    const code = await runCli(
      ['import:drf-sso', '--file', file, '--mapping', mapping, '--json'],
      createCliContext(env, () => undefined),
      { out: (text) => (out += text), err: () => undefined },
    );
    expect(code).toBe(0);
    const summary = JSON.parse(out) as {
      users: { created: number };
      sessions: { created: number };
      memberships: { created: number };
      skipped: { model: string; key: string; reason: string }[];
    };
    expect(summary.users.created).toBe(1);
    expect(summary.sessions.created).toBe(1);
    expect(summary.memberships.created).toBe(1);
    expect(summary.skipped).toEqual([
      { model: 'auth.user', key: '1002', reason: expect.stringContaining('no email address') },
      { model: 'auth.user', key: '1003', reason: expect.stringContaining('"erin"') },
      {
        model: 'rest_framework_sso.sessiontoken',
        key: 'not-a-uuid',
        reason: 'its id is not a UUID',
      },
      {
        model: 'rest_framework_sso.sessiontoken',
        key: '8c9e6679-7425-40de-944b-e07fc1f90ae7',
        reason: expect.stringContaining('its user 1002 was not imported'),
      },
    ]);
    const rows = await t.app
      .get(DataSource)
      .query<{ numeric_id: string; permissions: string[] }[]>(
        'SELECT numeric_id, permissions FROM users WHERE numeric_id > 1000 ORDER BY numeric_id',
      );
    expect(rows).toEqual([{ numeric_id: '1001', permissions: ['users:read'] }]);

    // The skipped users' Django ids stay reserved: fixed in Django and imported later, they must
    // not meet a user created here meanwhile, so the next one gets 1004, not 1002.
    expect(
      await runCli(
        ['users:create', '--email', 'after-skips@example.com', '--password', 'a long password'],
        createCliContext(env, () => undefined),
        { out: () => undefined, err: () => undefined },
      ),
    ).toBe(0);
    const [created] = await t.app
      .get(DataSource)
      .query<{ numeric_id: string }[]>(
        `SELECT numeric_id FROM users WHERE email = 'after-skips@example.com'`,
      );
    expect(created.numeric_id).toBe('1004');
  });
});
