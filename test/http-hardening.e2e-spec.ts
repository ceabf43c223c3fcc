import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    expect(allowed.headers['access-control-allow-headers']).toBe('Authorization,Content-Type');
    const other = await preflight('https://evil.example.com');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
