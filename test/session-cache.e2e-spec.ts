import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliContext, runCli } from '@nest-sso/cli';
import { makeKeyStoreDir, writeTestKey } from './support/key-store';
import { ServerProcess, startServerProcess } from './support/server-process';
import { TEST_DATABASE_URL } from './support/test-database';
import { waitFor } from './support/wait-for';

const IDENTITY = 'https://sso.test';
const PASSWORD = 'the right password';

/**
 * Two server processes on one PostgreSQL, each caching session checks (`SSO_SESSION_CACHE_TTL`,
 * here 60 s so that only invalidation can end a cached check): a session ended, a user
 * deactivated or a membership removed through one door is refused by the process that made the
 * change at once and by the other as the notification arrives (PostgreSQL NOTIFY), and
 * while a process's listener is lost it reads every check through.
 */
describe('Session-check cache across two server processes', () => {
  let servers: ServerProcess[];
  let db: Client;
  beforeAll(async () => {
    const keyDir = makeKeyStoreDir();
    const key = writeTestKey(keyDir, 'sso-test-20260101');
    const env = {
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_POOL_SIZE: '4',
      SSO_MIGRATE_ON_START: 'false',
      SSO_IDENTITY: IDENTITY,
      SSO_KEY_STORE_ROOT: keyDir,
      SSO_PRIVATE_KEYS: JSON.stringify({ [IDENTITY]: [key.file] }),
      SSO_RATE_LIMIT_LOGIN: '0',
      SSO_RATE_LIMIT_AUTHORIZE: '0',
      SSO_SESSION_CACHE_TTL: '60',
      SSO_LOG_LEVEL: 'info',
    };
    servers = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    db = new Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
  }, 60_000);
  afterAll(async () => {
    await db.end();
    await Promise.all(servers.map((s) => s.stop()));
  });

  const cli = async (args: string[]) => {
    const code = await runCli(
      args,
      createCliContext({
        NODE_ENV: 'test',
        DATABASE_URL: TEST_DATABASE_URL,
        SSO_MIGRATE_ON_START: 'false',
      }),
      { out: () => undefined, err: () => undefined },
    );
    expect(code, args.join(' ')).toBe(0);
  };
  const newUser = async () => {
    const email = `cache-${randomUUID().slice(0, 8)}@example.com`;
    await cli(['users:create', '--email', email, '--password', PASSWORD]);
    return email;
  };
  const post = async (server: ServerProcess, path: string, body: object, token?: string) => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `JWT ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as { token?: string } };
  };
  const login = async (email: string) =>
    (await post(servers[0], '/session', { username: email, password: PASSWORD })).body.token!;
  /** `POST /authorize` on both processes; the statuses. */
  const authorizeOnBoth = (session: string, body: object = {}) =>
    Promise.all(servers.map(async (s) => (await post(s, '/authorize', body, session)).status));
  /**
   * Both processes refuse: the one that made the change at once (it dropped the check before it
   * answered), the other as the notification reaches it. PostgreSQL sends it at the commit, and
   * the change's answer waits for its echo; on a loaded machine the other process may still take
   * a few milliseconds to read it, so it gets up to 2 s (the cache would keep it for 60).
   */
  const refusedByBoth = async (
    session: string,
    expected: number,
    body: object = {},
    at?: number,
  ) => {
    if (at !== undefined) {
      expect((await post(servers[at], '/authorize', body, session)).status).toBe(expected);
    }
    await waitFor(
      async () => (await authorizeOnBoth(session, body)).every((status) => status === expected),
      `both processes to answer ${expected}`,
      2_000,
    );
  };
  const sidOf = (token: string) =>
    (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sid: string }).sid;
  const listenerBackends = async () =>
    (
      await db.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE application_name = 'nest-sso session-check listener' AND datname = current_database()`,
      )
    ).rows;

  it('should listen for invalidations from every server process', async () => {
    const session = await login(await newUser());
    expect(await authorizeOnBoth(session)).toEqual([200, 200]);
    await waitFor(async () => (await listenerBackends()).length === 2, 'two listeners', 10_000);
    const fromCache = async (server: ServerProcess) =>
      Number(
        /^nest_sso_session_checks_total\{source="cache"\} (\d+)$/m.exec(
          await (await fetch(`${server.url}/metrics`)).text(),
        )?.[1] ?? 0,
      );
    const before = await Promise.all(servers.map(fromCache));
    // The first check after the listener is up reads and keeps; the next two need no database.
    expect(await authorizeOnBoth(session)).toEqual([200, 200]);
    expect(await authorizeOnBoth(session)).toEqual([200, 200]);
    expect(await authorizeOnBoth(session)).toEqual([200, 200]);
    // No database round trip for these: both processes answered from their cache.
    expect((await Promise.all(servers.map(fromCache))).map((n, i) => n - before[i])).toEqual([
      2, 2,
    ]);
  });

  it('should refuse a session ended on one process at once, and on the other as the notification arrives', async () => {
    const email = await newUser();
    for (let round = 0; round < 5; round++) {
      const session = await login(email);
      // Both processes hold the check now (and would for 60 s).
      expect(await authorizeOnBoth(session)).toEqual([200, 200]);
      expect(await authorizeOnBoth(session)).toEqual([200, 200]);
      expect((await post(servers[round % 2], '/logout', {}, session)).status).toBe(204);
      await refusedByBoth(session, 401, {}, round % 2);
    }
  });

  it('should refuse the sessions of a user deactivated through the CLI on both processes as the notification arrives', async () => {
    const email = await newUser();
    const sessions = [await login(email), await login(email)];
    for (const session of sessions) expect(await authorizeOnBoth(session)).toEqual([200, 200]);
    await cli(['users:deactivate', '--email', email]);
    for (const session of sessions) await refusedByBoth(session, 401);
  });

  it('should refuse an account whose membership was removed through the CLI on both processes as the notification arrives', async () => {
    const email = await newUser();
    const account = `cache-${randomUUID().slice(0, 8)}`;
    await cli(['accounts:create', '--name', account]);
    await cli(['memberships:add', '--account', account, '--email', email, '--permissions', 'p']);
    const session = await login(email);
    expect(await authorizeOnBoth(session, { account })).toEqual([200, 200]);
    await cli(['memberships:remove', '--account', account, '--email', email]);
    await refusedByBoth(session, 403, { account });
    expect(await authorizeOnBoth(session)).toEqual([200, 200]);
  });

  it('should read every check through while its listener is lost, and cache again once it is back', async () => {
    const session = await login(await newUser());
    expect(await authorizeOnBoth(session)).toEqual([200, 200]);
    await waitFor(async () => (await listenerBackends()).length === 2, 'two listeners', 10_000);
    const lostBefore = servers.map((s) => s.output().split('Session-check listener').length);
    await db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'nest-sso session-check listener' AND datname = current_database()`,
    );
    await waitFor(
      () =>
        servers.every((s, i) => s.output().split('Session-check listener').length > lostBefore[i]),
      'both processes to notice the lost listener',
      5_000,
    );
    // Nobody listens now: this revocation's notification is lost. Reading through refuses it.
    await db.query(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout' WHERE id = $1`,
      [sidOf(session)],
    );
    expect(await authorizeOnBoth(session)).toEqual([401, 401]);
    expect(servers.map((s) => s.output())).toEqual([
      expect.stringContaining('reading every session check through until it is back'),
      expect.stringContaining('reading every session check through until it is back'),
    ]);

    // Back: cached again, and a revocation by hand-written SQL reaches both through the trigger.
    await waitFor(async () => (await listenerBackends()).length === 2, 'listeners back', 15_000);
    await waitFor(
      () => servers.every((s) => s.output().includes('Session-check listener back')),
      'both processes to cache again',
      5_000,
    );
    const another = await login(await newUser());
    expect(await authorizeOnBoth(another)).toEqual([200, 200]);
    await db.query(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout' WHERE id = $1`,
      [sidOf(another)],
    );
    // A revocation by another door takes effect as the notification arrives (milliseconds).
    await waitFor(
      async () => (await authorizeOnBoth(another)).every((status) => status === 401),
      'both processes to refuse the revoked session',
      2_000,
    );
  });
});
