import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditService } from '@nest-sso/audit';
import { createAccountWithMember, createUser, TEST_PASSWORD } from './support/factories';
import { forgeToken } from './support/forge';
import { authorize, decodePart, login } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

const ADMIN_PASSWORD = 'a long admin password';

describe('Admin API', () => {
  let t: TestApp;
  let adminEmail: string;
  let adminSession: string;
  let adminToken: string;

  beforeAll(async () => {
    adminEmail = `admin-${randomUUID().slice(0, 8)}@example.com`;
    t = await startTestApp({
      env: { SSO_ADMIN_EMAIL: adminEmail, SSO_ADMIN_PASSWORD: ADMIN_PASSWORD },
    });
    adminSession = await login(t.app, adminEmail, ADMIN_PASSWORD);
    adminToken = await authorize(t.app, adminSession);
  });
  afterAll(() => t.close());

  const as = (token: string) => ({
    get: (path: string) =>
      request(t.app.getHttpServer()).get(path).set('Authorization', `Bearer ${token}`),
    post: (path: string, body: object = {}) =>
      request(t.app.getHttpServer()).post(path).set('Authorization', `Bearer ${token}`).send(body),
    patch: (path: string, body: object) =>
      request(t.app.getHttpServer()).patch(path).set('Authorization', `Bearer ${token}`).send(body),
    put: (path: string, body: object) =>
      request(t.app.getHttpServer()).put(path).set('Authorization', `Bearer ${token}`).send(body),
    delete: (path: string) =>
      request(t.app.getHttpServer()).delete(path).set('Authorization', `Bearer ${token}`),
  });

  it('should bootstrap the first admin from the environment, with the admin scope', () => {
    expect(decodePart(adminToken, 1)).toMatchObject({ scopes: ['sso:admin'] });
  });

  it('should create, list, get and update users, and refuse duplicates with 409', async () => {
    const email = `carol-${randomUUID().slice(0, 8)}@Example.com`;
    const created = await as(adminToken)
      .post('/admin/users', { email, password: 'password-123', permissions: ['reports:view'] })
      .expect(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      email: email.toLowerCase(),
      username: null,
      permissions: ['reports:view'],
      is_active: true,
      created_at: expect.any(String),
    });
    const id = created.body.id as string;
    await login(t.app, email, 'password-123');

    const duplicate = await as(adminToken).post('/admin/users', {
      email,
      password: 'password-123',
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.code).toBe('conflict');

    const page = await as(adminToken).get('/admin/users?limit=500').expect(200);
    expect(page.body.total).toBeGreaterThanOrEqual(2);
    expect((page.body.users as { id: string }[]).some((u) => u.id === id)).toBe(true);
    await as(adminToken).get('/admin/users?limit=0').expect(400);

    await as(adminToken).get(`/admin/users/${id}`).expect(200);
    await as(adminToken).get(`/admin/users/${randomUUID()}`).expect(404);
    await as(adminToken).get('/admin/users/not-a-uuid').expect(404);

    const updated = await as(adminToken)
      .patch(`/admin/users/${id}`, {
        permissions: ['reports:view', 'reports:edit'],
        username: 'carol',
      })
      .expect(200);
    expect(updated.body).toMatchObject({
      username: 'carol',
      permissions: ['reports:view', 'reports:edit'],
    });
    const invalid = await as(adminToken).patch(`/admin/users/${id}`, { permissions: ['a b'] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('validation_failed');
  });

  it('should deactivate a user and reset a password, ending their sessions', async () => {
    const user = await createUser(t.app);
    const session = await login(t.app, user.email);
    const authorizeStatus = async (token: string) =>
      (await request(t.app.getHttpServer()).post('/authorize').set('Authorization', `JWT ${token}`))
        .status;

    const reset = await as(adminToken)
      .post(`/admin/users/${user.id}/password`, { password: 'brand new password' })
      .expect(200);
    expect(reset.body).toEqual({ revoked_sessions: 1 });
    expect(await authorizeStatus(session)).toBe(401);
    const second = await login(t.app, user.email, 'brand new password');

    await as(adminToken).patch(`/admin/users/${user.id}`, { is_active: false }).expect(200);
    expect(await authorizeStatus(second)).toBe(401);
    await request(t.app.getHttpServer())
      .post('/session')
      .send({ username: user.email, password: 'brand new password' })
      .expect(401);
  });

  it('should create accounts and set and remove memberships that authorize then honours', async () => {
    const user = await createUser(t.app);
    const name = `tenant-${randomUUID().slice(0, 8)}`;
    const account = await as(adminToken).post('/admin/accounts', { name }).expect(201);
    await as(adminToken).post('/admin/accounts', { name }).expect(409);
    const listed = await as(adminToken).get('/admin/accounts').expect(200);
    expect(listed.body.accounts).toContainEqual({ id: account.body.id, name });

    const membership = await as(adminToken)
      .put(`/admin/accounts/${name}/members/${user.id}`, { permissions: ['orders:read'] })
      .expect(200);
    expect(membership.body).toEqual({
      user_id: user.id,
      account_id: account.body.id,
      account_name: name,
      permissions: ['orders:read'],
    });
    const session = await login(t.app, user.email);
    expect(decodePart(await authorize(t.app, session, name), 1).scopes).toEqual(['orders:read']);

    await as(adminToken).delete(`/admin/accounts/${name}/members/${user.id}`).expect(204);
    await as(adminToken).delete(`/admin/accounts/${name}/members/${user.id}`).expect(404);
    await as(adminToken)
      .put(`/admin/accounts/no-such-account/members/${user.id}`, { permissions: [] })
      .expect(404);
    await request(t.app.getHttpServer())
      .post('/authorize')
      .set('Authorization', `JWT ${session}`)
      .send({ account: name })
      .expect(403);
  });

  it("should list a user's sessions and end one", async () => {
    const user = await createUser(t.app);
    const session = await login(t.app, user.email);
    const sid = decodePart(session, 1).sid as string;
    const listed = await as(adminToken).get(`/admin/users/${user.id}/sessions`).expect(200);
    expect(listed.body.sessions).toEqual([expect.objectContaining({ id: sid })]);
    await as(adminToken).delete(`/admin/sessions/${sid}`).expect(204);
    await as(adminToken).delete(`/admin/sessions/${sid}`).expect(404);
    await as(adminToken).delete('/admin/sessions/x').expect(404);
    expect((await as(adminToken).get(`/admin/users/${user.id}/sessions`)).body.sessions).toEqual(
      [],
    );
  });

  it('should record admin actions in the audit trail', async () => {
    const user = await createUser(t.app);
    await as(adminToken)
      .patch(`/admin/users/${user.id}`, { permissions: ['x'] })
      .expect(200);
    const [event] = await t.app.get(AuditService).list({ userId: user.id, limit: 1 });
    const adminUid = decodePart(adminToken, 1).uid as string;
    expect(event).toMatchObject({
      type: 'admin_action',
      userId: user.id,
      sessionId: decodePart(adminToken, 1).sid,
      actorId: adminUid,
      via: 'admin_api',
      reason: 'user_updated',
    });
  });

  it('should answer 401 without an admin token, and 403 to a token without the admin scope', async () => {
    const expectError = (response: request.Response, status: number, code: string) => {
      expect(response.status).toBe(status);
      expect(response.body).toEqual({ statusCode: status, code, message: expect.any(String) });
    };
    expectError(await request(t.app.getHttpServer()).get('/admin/users'), 401, 'not_authenticated');
    // A session token, even an admin's, is not an admin token.
    expectError(await as(adminSession).get('/admin/users'), 401, 'wrong_token_type');

    const plain = await createUser(t.app);
    const plainToken = await authorize(t.app, await login(t.app, plain.email, TEST_PASSWORD));
    expectError(await as(plainToken).get('/admin/users'), 403, 'forbidden');

    // sso:admin held in an account membership does not make a server admin.
    const tenantAdmin = await createUser(t.app);
    const account = await createAccountWithMember(t.app, tenantAdmin, ['sso:admin']);
    const tenantToken = await authorize(t.app, await login(t.app, tenantAdmin.email), account.id);
    expect(decodePart(tenantToken, 1).scopes).toEqual(['sso:admin']);
    expectError(await as(tenantToken).get('/admin/users'), 403, 'forbidden');

    // Ending the admin's session ends the admin token's power at once.
    const otherSession = await login(t.app, adminEmail, ADMIN_PASSWORD);
    const otherToken = await authorize(t.app, otherSession);
    await request(t.app.getHttpServer())
      .post('/logout')
      .set('Authorization', `JWT ${otherSession}`)
      .expect(204);
    expectError(await as(otherToken).get('/admin/users'), 401, 'session_revoked');
  });

  it('should hold admin tokens to the shared token rules: exp required, scopes an array', async () => {
    const claims = decodePart(adminToken, 1);
    const resign = (changes: Record<string, unknown>) =>
      forgeToken(t.key.privateKey, { ...claims, ...changes }, { kid: t.key.kid });
    await as(await resign({}))
      .get('/admin/users')
      .expect(200);
    for (const [changes, message] of [
      [
        { exp: undefined },
        'The token\'s "exp" claim is missing (authorization tokens must expire)',
      ],
      [{ scopes: 'sso:admin-not' }, 'The token\'s "scopes" claim must be an array of strings'],
      [{ scopes: undefined }, 'The token\'s "scopes" claim is missing'],
    ] as const) {
      const response = await as(await resign(changes)).get('/admin/users');
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ statusCode: 401, code: 'invalid_token', message });
    }
  });
});
