import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, TEST_PASSWORD } from './support/factories';
import { decodePart } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

type Line = Record<string, unknown> & { msg?: string; reqId?: string; level?: number };

describe('Structured logs', () => {
  let t: TestApp;
  const lines: Line[] = [];
  beforeAll(async () => {
    t = await startTestApp({
      env: { SSO_LOG_LEVEL: 'info' },
      logDestination: { write: (chunk: string) => void lines.push(JSON.parse(chunk) as Line) },
    });
  });
  afterAll(() => t.close());

  it('should write one JSON line per request with the request id it returns, and log logins by id only', async () => {
    const user = await createUser(t.app);
    lines.length = 0;
    const response = await request(t.app.getHttpServer())
      .post('/session')
      .set('X-Request-Id', 'client-chosen-id-1')
      .send({ username: user.email, password: TEST_PASSWORD, client_id: 'web' })
      .expect(200);
    const token = response.body.token as string;
    expect(response.headers['x-request-id']).toBe('client-chosen-id-1');

    const ofRequest = lines.filter((l) => l.reqId === 'client-chosen-id-1');
    const requestLine = ofRequest.find((l) => l.msg === 'POST /session 200');
    expect(requestLine).toMatchObject({
      level: 30,
      req: { method: 'POST', path: '/session', ip: expect.stringMatching(/127\.0\.0\.1$/) },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
      service: 'nest-sso',
    });
    expect(
      lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('POST /session')),
    ).toHaveLength(1);
    expect(ofRequest.find((l) => l.msg === 'Login succeeded')).toMatchObject({
      context: 'Login',
      userId: user.id,
      sessionId: decodePart(token, 1).sid,
    });

    await request(t.app.getHttpServer())
      .post('/authorize')
      .set('Authorization', `JWT ${token}`)
      .expect(200);
    const everything = JSON.stringify(lines);
    for (const secret of [token, token.split('.')[2], TEST_PASSWORD]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('should log paths without their query strings', async () => {
    await request(t.app.getHttpServer()).get('/health/live?code=s3cr3t-value').expect(200);
    const line = lines.find((l) => l.msg === 'GET /health/live 200');
    expect(line).toMatchObject({ req: { path: '/health/live' } });
    expect(JSON.stringify(lines)).not.toContain('s3cr3t-value');
  });

  it('should log OpenID Connect requests with the path the client sent, without their query', async () => {
    await request(t.app.getHttpServer())
      .get('/oidc/auth?client_id=none&state=s3cr3t-state')
      .expect(400);
    expect(lines.find((l) => l.msg === 'GET /oidc/auth 400')).toMatchObject({
      req: { path: '/oidc/auth' },
    });
    expect(JSON.stringify(lines)).not.toContain('s3cr3t-state');
  });

  it('should make up a request id when the client sends none or a malformed one', async () => {
    const plain = await request(t.app.getHttpServer()).get('/health/live').expect(200);
    expect(plain.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = await request(t.app.getHttpServer())
      .get('/health/live')
      .set('X-Request-Id', 'a b\u00e9<script>')
      .expect(200);
    expect(hostile.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
