import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from './support/factories';
import { login } from './support/http';
import { TcpProxy } from './support/tcp-proxy';
import { startTestApp, TestApp } from './support/test-app';
import { TEST_DATABASE_URL } from './support/test-database';
import { waitFor } from './support/wait-for';

/** The server reaches PostgreSQL through a proxy the test cuts and restores. */
describe('Database faults', () => {
  let proxy: TcpProxy;
  let t: TestApp;
  let session: string;
  let email: string;

  beforeAll(async () => {
    const target = new URL(TEST_DATABASE_URL);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(proxy.port);
    t = await startTestApp({
      env: { DATABASE_URL: viaProxy.toString(), DATABASE_CONNECT_TIMEOUT: '2' },
    });
    email = (await createUser(t.app)).email;
    session = await login(t.app, email);
  });
  afterAll(async () => {
    await t.close();
    await proxy.close();
  });

  const http = () => request(t.app.getHttpServer());

  it('should answer 503 with Retry-After while the database is away, keep serving the JWKS, and recover without a restart', async () => {
    await http().post('/authorize').set('Authorization', `JWT ${session}`).expect(200);
    proxy.cut();

    const ready = await http().get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('error');
    expect(ready.body.details.database).toMatchObject({
      status: 'down',
      message: 'the database does not answer',
    });
    expect(ready.body.details.keys.status).toBe('up');

    for (const response of [
      await http().post('/authorize').set('Authorization', `JWT ${session}`),
      await http().post('/session').send({ username: email, password: 'whatever it is' }),
      await http().get('/sessions').set('Authorization', `JWT ${session}`),
    ]) {
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.body).toEqual({
        statusCode: 503,
        code: 'service_unavailable',
        message: 'The service is temporarily unavailable; retry shortly',
      });
    }
    await http().get('/.well-known/jwks.json').expect(200);
    await http().get('/health/live').expect(200);

    proxy.restore();
    await waitFor(
      async () => (await http().get('/health/ready')).status === 200,
      'readiness',
      10_000,
    );
    await http().post('/authorize').set('Authorization', `JWT ${session}`).expect(200);
    await login(t.app, email);
  });
});

describe('Database unreachable at start', () => {
  it('should retry with back-off, then fail start-up with a clear error', async () => {
    const proxy = new TcpProxy('127.0.0.1', 1);
    await proxy.start();
    proxy.cut();
    const url = new URL(TEST_DATABASE_URL);
    url.port = String(proxy.port);
    const started = Date.now();
    try {
      await expect(
        startTestApp({ env: { DATABASE_URL: url.toString(), DATABASE_CONNECT_ATTEMPTS: '3' } }),
      ).rejects.toThrow(/^Cannot reach the database after 3 attempt\(s\)/);
      // Back-off of 1 s, then 2 s, between the three attempts.
      expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    } finally {
      await proxy.close();
    }
  });
});
