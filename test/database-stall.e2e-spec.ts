import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from './support/factories';
import { login } from './support/http';
import { makeKeyStoreDir, writeTestKey } from './support/key-store';
import { startServerProcess } from './support/server-process';
import { TcpProxy } from './support/tcp-proxy';
import { startTestApp, TestApp } from './support/test-app';
import { TEST_DATABASE_URL } from './support/test-database';
import { waitFor } from './support/wait-for';

/**
 * The network to PostgreSQL silently drops every packet for a while (a proxy that stops
 * forwarding without closing anything), the way a partition or a failing switch does.
 */
describe('A database that stops answering', () => {
  let proxy: TcpProxy;
  let url: string;
  beforeAll(async () => {
    const target = new URL(TEST_DATABASE_URL);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(proxy.port);
    url = viaProxy.toString();
  });
  afterEach(() => proxy.restore());
  afterAll(() => proxy.close());

  const authorizeStatus = (t: TestApp, session: string) =>
    request(t.app.getHttpServer())
      .post('/authorize')
      .set('Authorization', `JWT ${session}`)
      // A bound on the client side, so that a hang fails the test instead of stalling it.
      .timeout(15_000)
      .then(
        (r) => r.status,
        (error: Error) => error.message,
      );

  it('should answer 503 within the query timeout while packets are dropped, and recover by itself afterwards', async () => {
    const t = await startTestApp({
      env: {
        DATABASE_URL: url,
        DATABASE_POOL_SIZE: '2',
        DATABASE_CONNECT_TIMEOUT: '2',
        DATABASE_STATEMENT_TIMEOUT: '1',
        DATABASE_QUERY_TIMEOUT: '2',
      },
    });
    try {
      const session = await login(t.app, (await createUser(t.app)).email);
      expect(await authorizeStatus(t, session)).toBe(200);

      proxy.blackhole();
      const started = Date.now();
      const during = await Promise.all([0, 1, 2, 3].map(() => authorizeStatus(t, session)));
      expect(during).toEqual([503, 503, 503, 503]);
      // Each waited at most a query timeout, plus a connect timeout for a fresh connection.
      expect(Date.now() - started).toBeLessThan(9_000);
      await new Promise((resolve) => setTimeout(resolve, 5_000 - (Date.now() - started)));

      proxy.restore();
      // The lost connections were dropped from the pool: fresh ones work, no restart needed.
      await waitFor(async () => (await authorizeStatus(t, session)) === 200, 'recovery', 10_000);
      await request(t.app.getHttpServer()).get('/health/live').expect(200);
    } finally {
      await t.close();
    }
  });

  it('should turn liveness red when the pool stays wedged past DATABASE_STALL_TIMEOUT', async () => {
    // Timeouts far longer than the test: the one connection stays stuck, as it would without them.
    const t = await startTestApp({
      env: {
        DATABASE_URL: url,
        DATABASE_POOL_SIZE: '1',
        DATABASE_CONNECT_TIMEOUT: '30',
        DATABASE_STATEMENT_TIMEOUT: '60',
        DATABASE_QUERY_TIMEOUT: '120',
        DATABASE_STALL_TIMEOUT: '2',
      },
    });
    try {
      const session = await login(t.app, (await createUser(t.app)).email);
      await request(t.app.getHttpServer()).get('/health/live').expect(200);
      proxy.blackhole();
      const stuck = [0, 1, 2].map(() => authorizeStatus(t, session));
      const live = await waitFor(
        async () => {
          const response = await request(t.app.getHttpServer()).get('/health/live');
          return response.status === 503 ? response : null;
        },
        'liveness to turn red',
        8_000,
      );
      expect(live.body.details.database_pool).toMatchObject({ status: 'down' });
      // Cut the stuck connections so that the server can close.
      proxy.cut();
      await Promise.all(stuck);
    } finally {
      await t.close();
    }
  });

  it('should finish a SIGTERM within its bound while the database swallows everything', async () => {
    const keyDir = makeKeyStoreDir();
    const key = writeTestKey(keyDir, 'sso-test-20260101');
    const server = await startServerProcess({
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: '2',
      DATABASE_STATEMENT_TIMEOUT: '60',
      DATABASE_QUERY_TIMEOUT: '120',
      SSO_MIGRATE_ON_START: 'false',
      SSO_IDENTITY: 'https://sso.test',
      SSO_KEY_STORE_ROOT: keyDir,
      SSO_PRIVATE_KEYS: JSON.stringify({ 'https://sso.test': [key.file] }),
      SSO_SHUTDOWN_DELAY: '0',
      SSO_SHUTDOWN_TIMEOUT: '2',
      SSO_LOG_LEVEL: 'warn',
    });
    try {
      proxy.blackhole();
      // Requests that take the pool's connections and never get an answer.
      const hanging = [0, 1, 2].map(() =>
        fetch(`${server.url}/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'someone@example.com', password: 'whatever' }),
        }).catch(() => null),
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      const signalled = Date.now();
      server.child.kill('SIGTERM');
      // Within SSO_SHUTDOWN_DELAY + SSO_SHUTDOWN_TIMEOUT + 5 s, on one signal.
      const code = await Promise.race([
        server.exited,
        new Promise((resolve) => setTimeout(() => resolve('still running'), 12_000)),
      ]);
      expect(code).not.toBe('still running');
      expect(Date.now() - signalled).toBeLessThan(12_000);
      await Promise.all(hanging);
    } finally {
      proxy.cut();
      await server.stop(1000);
    }
  });
});
