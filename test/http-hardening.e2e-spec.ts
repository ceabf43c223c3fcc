import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountWithMember, createUser } from './support/factories';
import { login } from './support/http';
import { ROUTES } from './support/routes';
import { startTestApp, TestApp } from './support/test-app';

describe('HTTP hardening', () => {
  let plain: TestApp;
  let cors: TestApp;
  beforeAll(async () => {
    plain = await startTestApp();
    cors = await startTestApp({
      env: { SSO_CORS_ORIGINS: 'https://app.example.com' },
      share: plain,
    });
  });
  afterAll(async () => {
    await cors.close();
    await plain.close();
  });

  it('should send security headers and hide the framework', async () => {
    const response = await request(plain.app.getHttpServer()).get('/health/live').expect(200);
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': expect.stringContaining('max-age='),
      'content-security-policy': expect.stringContaining("default-src 'self'"),
      'referrer-policy': 'no-referrer',
    });
    expect(response.headers['x-powered-by']).toBeUndefined();
    // TLS ends at the load balancer: forcing https sub-requests would break /docs over http.
    expect(response.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });

  it('should answer no CORS headers unless origins are configured', async () => {
    const response = await request(plain.app.getHttpServer())
      .options('/session')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'POST');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('should allow the configured origins only', async () => {
    const preflight = (origin: string) =>
      request(cors.app.getHttpServer())
        .options('/authorize')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type');
    const allowed = await preflight('https://app.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(allowed.headers['access-control-allow-headers']?.split(/, */)).toEqual([
      'Authorization',
      'Content-Type',
    ]);
    const other = await preflight('https://evil.example.com');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('Methods and media types', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const routes = ROUTES.map((line) => {
    const [method, path] = line.split(' ');
    return { method, path: path.replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000') };
  });
  const methodsOf = (path: string) => routes.filter((r) => r.path === path).map((r) => r.method);
  const paths = [...new Set(routes.map((r) => r.path))];

  it.each(paths)('should answer 405 with Allow to a method %s does not take', async (path) => {
    const allowed = methodsOf(path);
    const wrong = ['PATCH', 'PUT', 'DELETE', 'POST'].find((m) => !allowed.includes(m))!;
    const response = await request(t.app.getHttpServer())[
      wrong.toLowerCase() as 'patch' | 'put' | 'delete' | 'post'
    ](path);
    expect(response.status).toBe(405);
    expect(response.body).toEqual({
      statusCode: 405,
      code: 'method_not_allowed',
      message: expect.stringContaining(wrong),
    });
    const allow = response.headers.allow.split(', ');
    for (const method of allowed) expect(allow).toContain(method);
    expect(allow).not.toContain(wrong);
  });

  it('should still answer 404 to a path no method takes', async () => {
    const response = await request(t.app.getHttpServer()).post('/no-such-route').expect(404);
    expect(response.body).toMatchObject({ code: 'not_found' });
  });

  it('should answer 404, not 405, to a missing file under a GET wildcard (the /docs assets)', async () => {
    // `/docs/*` takes GET and HEAD; a file that is not there is missing, whatever HEAD matches.
    for (const method of ['get', 'head'] as const) {
      const response = await request(t.app.getHttpServer())[method]('/docs/no-such-file.js');
      expect(response.status).toBe(404);
      expect(response.headers.allow).toBeUndefined();
    }
    const asset = await request(t.app.getHttpServer()).get('/docs/swagger-ui.css');
    expect(asset.status).toBe(200);
  });

  const bodyRoutes = routes.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method));
  it.each(
    bodyRoutes.flatMap((r) =>
      ['text/plain', 'application/xml', 'multipart/form-data; boundary=x'].map(
        (type) => [`${r.method} ${r.path}`, type, r] as const,
      ),
    ),
  )('should refuse a %s body of type %s with 415', async (_, type, route) => {
    const response = await request(t.app.getHttpServer())
      [route.method.toLowerCase() as 'post' | 'put' | 'patch'](route.path)
      .set('Content-Type', type)
      .send('{"account":"acme","username":"a","password":"b"}');
    expect(response.status).toBe(415);
    expect(response.body).toEqual({
      statusCode: 415,
      code: 'unsupported_media_type',
      message: expect.any(String),
    });
  });

  it('should not issue a token for a body it did not read (text/plain on /authorize)', async () => {
    const user = await createUser(t.app);
    await createAccountWithMember(t.app, user, ['orders:read']);
    const session = await login(t.app, user.email);
    const response = await request(t.app.getHttpServer())
      .post('/authorize')
      .set('Authorization', `JWT ${session}`)
      .set('Content-Type', 'text/plain')
      .send('{"account":"acme"}');
    expect(response.status).toBe(415);
    expect(response.body.token).toBeUndefined();
  });
});
