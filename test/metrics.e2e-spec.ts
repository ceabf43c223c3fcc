import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from './support/factories';
import { adminCredential, authorize, login } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

/** The value of one series in Prometheus text, 0 when absent. */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('Metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  const scrape = async () =>
    (await request(t.app.getHttpServer()).get('/metrics').expect(200)).text;

  it('should count a login, an authorize and a failed login, by route, status and type', async () => {
    const user = await createUser(t.app);
    const before = await scrape();
    const session = await login(t.app, user.email);
    await authorize(t.app, session);
    await request(t.app.getHttpServer())
      .post('/session')
      .send({ username: user.email, password: 'wrong password' })
      .expect(401);
    const after = await scrape();

    const delta = (series: string) => value(after, series) - value(before, series);
    expect(delta('nest_sso_tokens_issued_total{type="session"}')).toBe(1);
    expect(delta('nest_sso_tokens_issued_total{type="auth"}')).toBe(1);
    expect(
      delta('nest_sso_http_requests_total{method="POST",route="/authorize",status="200"}'),
    ).toBe(1);
    expect(delta('nest_sso_http_requests_total{method="POST",route="/session",status="200"}')).toBe(
      1,
    );
    expect(delta('nest_sso_http_requests_total{method="POST",route="/session",status="401"}')).toBe(
      1,
    );
    expect(
      delta(
        'nest_sso_http_request_duration_seconds_count{method="POST",route="/authorize",status="200"}',
      ),
    ).toBe(1);
    expect(delta('nest_sso_auth_events_total{type="login_failed",reason="wrong_password"}')).toBe(
      1,
    );
    expect(delta('nest_sso_auth_events_total{type="login_succeeded",reason=""}')).toBe(1);
  });

  it('should show the signing kid, key reloads, the database pool and the process', async () => {
    const text = await scrape();
    expect(
      value(
        text,
        `nest_sso_signing_key_info{issuer="https://sso.test",kid="${t.key.kid}",alg="RS256"}`,
      ),
    ).toBe(1);
    expect(text).toMatch(/^nest_sso_key_reloads_total \d+$/m);
    expect(text).toMatch(/^nest_sso_key_reload_failures_total 0$/m);
    expect(value(text, 'nest_sso_db_pool_connections{state="total"}')).toBeGreaterThan(0);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
  });

  it('should label requests that match no route as unmatched, not by path', async () => {
    await request(t.app.getHttpServer()).get('/no/such/route/12345').expect(404);
    const text = await scrape();
    expect(
      value(text, 'nest_sso_http_requests_total{method="GET",route="unmatched",status="404"}'),
    ).toBeGreaterThan(0);
    expect(text).not.toContain('12345');
  });
});

describe('Metrics labels', () => {
  it('should label audit events by reason code only: no ids, names or numbers from the reason', async () => {
    const adminEmail = `metrics-admin-${randomUUID().slice(0, 8)}@example.com`;
    const t = await startTestApp({
      env: {
        SSO_ADMIN_EMAIL: adminEmail,
        SSO_ADMIN_PASSWORD: 'a long admin password',
        SSO_LOGIN_FREE_ATTEMPTS: '1',
      },
    });
    try {
      const admin = await adminCredential(t.app, adminEmail, 'a long admin password');
      const user = await createUser(t.app);
      const name = `tenant-${randomUUID().slice(0, 8)}`;
      const created = await request(t.app.getHttpServer())
        .post('/admin/accounts')
        .set('Authorization', `Bearer ${admin}`)
        .send({ name })
        .expect(201);
      await request(t.app.getHttpServer())
        .put(`/admin/accounts/${name}/members/${user.id}`)
        .set('Authorization', `Bearer ${admin}`)
        .send({ permissions: ['a:b'] })
        .expect(200);
      for (let i = 0; i < 3; i++) {
        await request(t.app.getHttpServer())
          .post('/session')
          .send({ username: user.email, password: 'wrong password' });
      }
      const text = (await request(t.app.getHttpServer()).get('/metrics').expect(200)).text;
      expect(
        value(text, 'nest_sso_auth_events_total{type="admin_action",reason="membership_set"}'),
      ).toBe(1);
      expect(
        value(text, 'nest_sso_auth_events_total{type="login_locked",reason=""}'),
      ).toBeGreaterThan(0);
      for (const personal of [created.body.id, user.id, name, user.email])
        expect(text).not.toContain(personal);
      expect(text).not.toMatch(/reason="\d+s"/);
    } finally {
      await t.close();
    }
  });
});

describe('Metrics behind a token', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { SSO_METRICS_TOKEN: 'scrape-secret' } });
  });
  afterAll(() => t.close());

  it('should need the token when SSO_METRICS_TOKEN is set', async () => {
    const refused = await request(t.app.getHttpServer()).get('/metrics').expect(401);
    expect(refused.body.code).toBe('not_authenticated');
    await request(t.app.getHttpServer())
      .get('/metrics')
      .set('Authorization', 'Bearer wrong')
      .expect(401);
    const ok = await request(t.app.getHttpServer())
      .get('/metrics')
      .set('Authorization', 'Bearer scrape-secret')
      .expect(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
  });
});
