import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliContext, runCli } from '@nest-sso/cli';
import { MIGRATIONS } from '@nest-sso/database';
import { authorize, decodePart, login } from './support/http';
import { startTestApp, TEST_IDENTITY, TestApp } from './support/test-app';
import { TEST_DATABASE_URL } from './support/test-database';

describe('Admin CLI commands', () => {
  const env = { NODE_ENV: 'test', DATABASE_URL: TEST_DATABASE_URL, SSO_MIGRATE_ON_START: 'false' };
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** Runs one command as the CLI would (argument parsing included); its output, or its error. */
  const cli = async (
    command: string,
    flags: Record<string, string | true> = {},
    settings: Record<string, string> = env,
  ) => {
    const argv = [
      command,
      ...Object.entries(flags).flatMap(([name, value]) =>
        value === true ? [`--${name}`] : [`--${name}`, value],
      ),
    ];
    let out = '';
    let err = '';
    const code = await runCli(
      argv,
      createCliContext(settings, (text) => (err += text)),
      { out: (text) => (out += text), err: (text) => (err += text) },
    );
    return { code, out: out.trimEnd(), err: err.trimEnd() };
  };
  const run = async (command: string, flags: Record<string, string | true> = {}) => {
    const result = await cli(command, flags);
    if (result.code !== 0) throw new Error(result.err.replace(/^Error: /, ''));
    return result.out;
  };

  it('should create a user, an account and a membership that login and authorize then use', async () => {
    const tag = randomUUID().slice(0, 8);
    const email = `Alice-${tag}@Example.com`;
    expect(
      await run('users:create', {
        email,
        password: 'pw-123456',
        username: `alice_${tag}`,
        permissions: 'a, b',
      }),
    ).toMatch(/^Created user [0-9a-f-]{36} <alice-.*@example\.com>$/);
    await run('accounts:create', { name: `acme-${tag}` });
    expect(
      await run('memberships:add', {
        account: `acme-${tag}`,
        email: `alice_${tag}`,
        permissions: 'orders:read,orders:write',
      }),
    ).toBe(
      `alice-${tag}@example.com is a member of "acme-${tag}" with [orders:read, orders:write]`,
    );

    const session = await login(t.app, email, 'pw-123456');
    expect(decodePart(await authorize(t.app, session), 1).scopes).toEqual(['a', 'b']);
    expect(decodePart(await authorize(t.app, session, `acme-${tag}`), 1).scopes).toEqual([
      'orders:read',
      'orders:write',
    ]);
  });

  it('should deactivate a user so that their session can no longer authorize', async () => {
    const email = `bob-${randomUUID().slice(0, 8)}@example.com`;
    await run('users:create', { email, password: 'pw-123456' });
    const session = await login(t.app, email, 'pw-123456');
    expect(await run('users:deactivate', { email })).toMatch(/; ended 1 session\(s\)$/);
    const authorizeStatus = async () =>
      (
        await request(t.app.getHttpServer())
          .post('/authorize')
          .set('Authorization', `JWT ${session}`)
      ).status;
    const loginStatus = async () =>
      (
        await request(t.app.getHttpServer())
          .post('/session')
          .send({ username: email, password: 'pw-123456' })
      ).status;
    expect([await authorizeStatus(), await loginStatus()]).toEqual([401, 401]);
    // Reactivating does not bring the sessions back: they were ended, not just suspended.
    await run('users:activate', { email });
    expect([await authorizeStatus(), await loginStatus()]).toEqual([401, 200]);
  });

  it("should list a user's sessions, end one or all, and show the audit trail", async () => {
    const email = `dave-${randomUUID().slice(0, 8)}@example.com`;
    await run('users:create', { email, password: 'pw-123456' });
    const first = await login(t.app, email, 'pw-123456');
    const second = await login(t.app, email, 'pw-123456');
    const [sid1, sid2] = [decodePart(first, 1).sid as string, decodePart(second, 1).sid as string];

    const listed = await run('sessions:list', { email });
    expect(listed.split('\n')[0]).toMatch(
      /^session\s+client\s+ip\s+created\s+last used\s+user agent$/,
    );
    expect(listed).toContain(sid1);
    expect(listed).toContain(sid2);
    // The same, for scripts: the admin API's shape (GET /admin/users/:id/sessions).
    const json = JSON.parse(await run('sessions:list', { email, json: true })) as {
      sessions: { id: string; created_at: string }[];
      total: number;
    };
    expect(json.total).toBe(2);
    expect(json.sessions.map((s) => s.id).sort()).toEqual([sid1, sid2].sort());

    expect(await run('sessions:revoke', { id: sid1 })).toBe(`Ended session ${sid1}`);
    await expect(run('sessions:revoke', { id: sid1 })).rejects.toThrow(`No active session ${sid1}`);
    // A malformed id is a usage error (2); a well-formed one that names no live session, not found (3).
    expect(await cli('sessions:revoke', { id: 'nonsense' })).toMatchObject({
      code: 2,
      err: 'Error: --id must be a session id, a UUID (got "nonsense")',
    });
    expect(await cli('sessions:revoke', { id: sid1 })).toMatchObject({ code: 3 });
    expect(await run('sessions:list', { email })).not.toContain(sid1);
    expect(await run('sessions:revoke', { email })).toBe(`Ended 1 session(s) of ${email}`);
    expect(await run('sessions:list', { email })).toBe(`${email} has no active session`);

    const events = (await run('events:list', { email })).split('\n');
    expect(events[0]).toMatch(
      /^time\s+event\s+user\s+session\s+actor\s+via\s+ip\s+client\s+reason$/,
    );
    expect(events.slice(1).map((line) => line.split(/\s+/)[1])).toEqual([
      'session_revoked',
      'session_revoked',
      'login_succeeded',
      'login_succeeded',
      'admin_action',
    ]);
    expect(events[1]).toContain(sid2);
    // Ended at the CLI: no acting user, no address, the operator's reason.
    expect(events[1]).toMatch(/ - +cli +- +- +operator$/);
    await expect(run('events:list', { limit: '0' })).rejects.toThrow('--limit');

    const [revoked] = (
      JSON.parse(await run('events:list', { email, json: true, limit: '1' })) as {
        events: Record<string, unknown>[];
      }
    ).events;
    expect(revoked).toEqual({
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      type: 'session_revoked',
      user_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      session_id: sid2,
      actor_id: null,
      via: 'cli',
      ip_address: null,
      reason: 'operator',
      client_id: null,
    });
  });

  it('should set a password and end the sessions made with the old one', async () => {
    const email = `erin-${randomUUID().slice(0, 8)}@example.com`;
    await run('users:create', { email, password: 'pw-123456' });
    const session = await login(t.app, email, 'pw-123456');
    expect(await run('users:set-password', { email, password: 'a brand new one' })).toBe(
      `Set the password of ${email}; ended 1 session(s)`,
    );
    await request(t.app.getHttpServer())
      .post('/authorize')
      .set('Authorization', `JWT ${session}`)
      .expect(401);
    await login(t.app, email, 'a brand new one');
  });

  it('should refuse a duplicate user and an unknown account with a clear message', async () => {
    const email = `carol-${randomUUID().slice(0, 8)}@example.com`;
    await run('users:create', { email, password: 'pw-123456' });
    await expect(
      run('users:create', { email: email.toUpperCase(), password: 'pw-123456' }),
    ).rejects.toThrow(`Another user already logs in as "${email}" (as their email or username)`);
    await expect(run('memberships:add', { account: 'no-such-account', email })).rejects.toThrow(
      'No account "no-such-account"',
    );
  });

  it('should refuse what the API refuses: the same rules, the same words, nothing written', async () => {
    const tag = randomUUID().slice(0, 8);
    const refused = async (command: string, flags: Record<string, string>, message: string) => {
      const result = await cli(command, flags);
      // Invalid input is a usage error (exit 2), as docs/cli.md documents.
      expect([result.code, result.err]).toEqual([2, `Error: ${message}`]);
    };
    await refused(
      'users:create',
      { email: 'not-an-email', password: 'x' },
      'email must be an email address; password must be 8 to 1024 characters',
    );
    await refused(
      'users:create',
      { email: `u-${tag}@example.com`, password: 'pw-123456', username: '\uFDFA'.repeat(10) },
      'username must be 1 to 150 characters',
    );
    await refused(
      'users:create',
      { email: `u-${tag}@example.com`, password: 'pw-123456', permissions: 'a b' },
      'each permission is 1 to 100 of A-Z a-z 0-9 . _ : * -',
    );
    await expect(
      request(t.app.getHttpServer())
        .post('/session')
        .send({ username: `u-${tag}@example.com`, password: 'pw-123456' }),
    ).resolves.toMatchObject({ status: 401 });

    const email = `v-${tag}@example.com`;
    await run('users:create', { email, password: 'pw-123456' });
    await refused(
      'users:set-password',
      { email, password: 'p'.repeat(1025) },
      'password must be 8 to 1024 characters',
    );
    // The refused password was not stored: the old one still works.
    await login(t.app, email, 'pw-123456');
    await refused(
      'accounts:create',
      { name: `${'n'.repeat(100)}${'\uFE0F'.repeat(5)}` },
      'name must be 1 to 100 characters',
    );
    await run('accounts:create', { name: `acme-${tag}` });
    await refused(
      'memberships:add',
      { account: `acme-${tag}`, email, permissions: 'orders read' },
      'each permission is 1 to 100 of A-Z a-z 0-9 . _ : * -',
    );
  });

  it('should store a password so that it logs in however its Unicode is composed', async () => {
    const email = `w-${randomUUID().slice(0, 8)}@example.com`;
    const password = 'Gänseblümchen-Ωmega';
    await run('users:create', { email, password: password.normalize('NFD') });
    await login(t.app, email, password.normalize('NFC'));
    await login(t.app, email, password.normalize('NFD'));
  });

  it('should report every migration as applied', async () => {
    expect(await run('migrations:show', {})).toBe(
      MIGRATIONS.map((migration) => `[X] ${migration.name}`).join('\n'),
    );
  });

  it('should list users, accounts and memberships, as tables or as JSON for scripts, and remove a membership', async () => {
    const tag = randomUUID().slice(0, 8);
    const [ann, ben] = [`ann-${tag}@example.com`, `ben-${tag}@example.com`];
    await run('users:create', { email: ann, password: 'pw-123456', permissions: 'p' });
    await run('users:create', { email: ben, password: 'pw-123456' });
    await run('accounts:create', { name: `acme-${tag}` });
    await run('memberships:add', { account: `acme-${tag}`, email: ann, permissions: 'a,b' });
    await run('memberships:add', { account: `acme-${tag}`, email: ben });

    const users = JSON.parse(await run('users:list', { json: true, limit: '10000' })) as {
      users: Record<string, unknown>[];
      total: number;
    };
    expect(users.total).toBeGreaterThanOrEqual(2);
    expect(users.users.find((u) => u.email === ann)).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: ann,
      username: null,
      permissions: ['p'],
      is_active: true,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const text = (await run('users:list', { limit: '1' })).split('\n');
    expect(text[0]).toMatch(/^email\s+username\s+active\s+permissions\s+id\s+created$/);
    expect(text.at(-1)).toBe(`(1-1 of ${users.total})`);

    const accounts = JSON.parse(await run('accounts:list', { json: true })) as {
      accounts: { id: string; name: string }[];
    };
    const acme = accounts.accounts.find((a) => a.name === `acme-${tag}`)!;
    expect(await run('accounts:list')).toMatch(new RegExp(`^acme-${tag}\\s+${acme.id}\\s`, 'm'));

    const members = async (flags: Record<string, string>) =>
      (
        JSON.parse(await run('memberships:list', { ...flags, json: true })) as {
          memberships: Record<string, unknown>[];
        }
      ).memberships.map((m) => [m.account_name, m.email, m.permissions]);
    expect(await members({ account: `acme-${tag}` })).toEqual([
      [`acme-${tag}`, ann, ['a', 'b']],
      [`acme-${tag}`, ben, []],
    ]);
    expect(await members({ email: ann })).toEqual([[`acme-${tag}`, ann, ['a', 'b']]]);
    const table = (await run('memberships:list', { account: acme.id })).split('\n');
    expect(table.map((line) => line.split(/\s+/))).toEqual([
      ['account', 'user', 'permissions'],
      [`acme-${tag}`, ann, 'a,b'],
      [`acme-${tag}`, ben, '-'],
    ]);

    expect(await run('memberships:remove', { account: `acme-${tag}`, email: ben })).toBe(
      `Removed ${ben} from "acme-${tag}"`,
    );
    expect(await members({ account: `acme-${tag}` })).toEqual([[`acme-${tag}`, ann, ['a', 'b']]]);
    expect(await cli('memberships:remove', { account: `acme-${tag}`, email: ben })).toMatchObject({
      code: 3,
      err: 'Error: No such membership',
    });
  });

  it('should exit with the documented codes: 2 usage, 3 not found, 4 already exists', async () => {
    expect(await cli('users:lsit')).toMatchObject({
      code: 2,
      err: expect.stringContaining('(Did you mean users:list?)') as unknown,
    });
    expect(await cli('users:list', { colour: 'red' })).toMatchObject({
      code: 2,
      err: expect.stringContaining("unknown option '--colour'") as unknown,
    });
    expect(await cli('users:list', { limit: '0' })).toMatchObject({
      code: 2,
      err: 'Error: --limit must be a whole number from 1 to 10000 (got "0")',
    });
    // The test server's own key store, so that the command finds a key set (a clean clone has no
    // development key in ./keys).
    const keyStore = {
      ...env,
      SSO_IDENTITY: TEST_IDENTITY,
      SSO_KEY_STORE_ROOT: t.keyDir,
      SSO_PRIVATE_KEYS: JSON.stringify({ [TEST_IDENTITY]: [t.key.file] }),
    };
    expect(await cli('keys:retire', { kid: 'no-such-kid' }, keyStore)).toMatchObject({
      code: 3,
      err: expect.stringContaining('No key "no-such-kid"') as unknown,
    });
    expect(await cli('--version')).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^\d+\.\d+\.\d+$/) as unknown,
    });
    expect(await cli('sessions:list', { email: 'nobody@example.com' })).toMatchObject({
      code: 3,
      err: 'Error: No user "nobody@example.com"',
    });
    // The admin API's rules, at the CLI too: a short password, a malformed email or permission.
    expect(await cli('users:create', { email: 'no-at-sign', password: 'short' })).toMatchObject({
      code: 2,
      err: 'Error: email must be an email address; password must be 8 to 1024 characters',
    });
    expect(
      await cli('memberships:add', { account: 'a', email: 'b', permissions: 'bad permission' }),
    ).toMatchObject({
      code: 2,
      err: expect.stringContaining('each permission is 1 to 100 of') as unknown,
    });
    const email = `dup-${randomUUID().slice(0, 8)}@example.com`;
    await run('users:create', { email, password: 'pw-123456' });
    expect(await cli('users:create', { email, password: 'pw-123456' })).toMatchObject({ code: 4 });
  });

  it('should fail at once, saying why, on a database that does not exist', async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = '/nest_sso_no_such_database';
    const started = Date.now();
    const result = await cli('users:list', {}, { ...env, DATABASE_URL: url.toString() });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result).toMatchObject({
      code: 1,
      err: 'Error: Cannot connect to the database: database "nest_sso_no_such_database" does not exist (PostgreSQL error 3D000); retrying cannot help, check DATABASE_URL',
    });
  });

  it('should show each attempt to reach a database that is not up', async () => {
    const result = await cli(
      'users:list',
      {},
      { ...env, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x', DATABASE_CONNECT_ATTEMPTS: '2' },
    );
    expect(result.code).toBe(1);
    expect(result.err.split('\n')).toEqual([
      expect.stringMatching(
        /^Cannot reach the database \(connect ECONNREFUSED 127\.0\.0\.1:1\); attempt 1 of 2, retrying in 1 s$/,
      ),
      'Error: Cannot reach the database after 2 attempt(s): connect ECONNREFUSED 127.0.0.1:1',
    ]);
  });
});
