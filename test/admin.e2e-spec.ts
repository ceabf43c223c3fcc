import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditService } from '@nest-sso/audit';
import { createAccountWithMember, createUser } from './support/factories';
import { forgeToken } from './support/forge';
import { adminToken as adminTokenFor, authorize, decodePart, login } from './support/http';
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
    adminToken = await adminTokenFor(t.app, adminSession);
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

  it('should bootstrap the first admin from the environment, and issue admin tokens only for the admin API', async () => {
    const claims = decodePart(adminToken, 1);
    expect(claims).toMatchObject({
      token: 'admin',
      aud: ['https://sso.test/admin'],
      sid: decodePart(adminSession, 1).sid,
    });
    expect(claims.exp).toBe((claims.iat as number) + 300);
    // It carries no permission: the database says who is an admin, on every request.
    expect(claims.scopes).toBeUndefined();
    // No other route takes it: it is no session token (and no service has its audience).
    const authorizeWithIt = await request(t.app.getHttpServer())
      .post('/authorize')
      .set('Authorization', `JWT ${adminToken}`);
    expect(authorizeWithIt.status).toBe(401);
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

    // Switching a user off and on are their own events; a PATCH that changes nothing records none.
    const reasons = async () =>
      (await t.app.get(AuditService).list({ userId: user.id, limit: 10 }))
        .filter((e) => e.type === 'admin_action')
        .map((e) => e.reason);
    await as(adminToken).patch(`/admin/users/${user.id}`, { is_active: false }).expect(200);
    await as(adminToken).patch(`/admin/users/${user.id}`, { is_active: false }).expect(200);
    await as(adminToken).patch(`/admin/users/${user.id}`, { is_active: true }).expect(200);
    expect(await reasons()).toEqual(['user_activated', 'user_deactivated', 'user_updated']);
  });

  const expectError = (response: request.Response, status: number, code: string) => {
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    expect(response.body).toEqual({ statusCode: status, code, message: expect.any(String) });
  };

  it('should refuse every credential but an admin token: 401 without one, 403 to a user without sso:admin', async () => {
    expectError(await request(t.app.getHttpServer()).get('/admin/users'), 401, 'not_authenticated');
    // A session token, even an admin's, is not an admin token.
    expectError(await as(adminSession).get('/admin/users'), 401, 'wrong_token_type');

    // The admin's own authorization token carries sso:admin in its scopes, and its audience lists
    // every downstream service: any of them could replay it. It is not an admin credential.
    const downstream = await authorize(t.app, adminSession);
    expect(decodePart(downstream, 1).scopes).toEqual(['sso:admin']);
    expectError(await as(downstream).get('/admin/users'), 401, 'wrong_token_type');

    // sso:admin held in an account membership does not make a server admin.
    const tenantAdmin = await createUser(t.app);
    await createAccountWithMember(t.app, tenantAdmin, ['sso:admin']);
    const tenantSession = await login(t.app, tenantAdmin.email);
    const refused = await request(t.app.getHttpServer())
      .post('/admin/token')
      .set('Authorization', `JWT ${tenantSession}`);
    expectError(refused, 403, 'forbidden');
    expectError(
      await request(t.app.getHttpServer())
        .post('/admin/token')
        .set('Authorization', `JWT ${downstream}`),
      401,
      'wrong_token_type',
    );

    // Ending the admin's session ends the admin token's power at once.
    const otherSession = await login(t.app, adminEmail, ADMIN_PASSWORD);
    const otherToken = await adminTokenFor(t.app, otherSession);
    await request(t.app.getHttpServer())
      .post('/logout')
      .set('Authorization', `JWT ${otherSession}`)
      .expect(204);
    expectError(await as(otherToken).get('/admin/users'), 401, 'session_revoked');
  });

  it('should re-check the permission on every request: a demoted admin loses the API at once', async () => {
    const second = await createUser(t.app, { permissions: ['sso:admin'] });
    const secondToken = await adminTokenFor(t.app, await login(t.app, second.email));
    await as(secondToken).get('/admin/users').expect(200);

    await as(adminToken).patch(`/admin/users/${second.id}`, { permissions: [] }).expect(200);
    // The demoted admin's live token no longer works, and cannot give its rights back.
    expectError(await as(secondToken).get('/admin/users'), 403, 'forbidden');
    expectError(
      await as(secondToken).patch(`/admin/users/${second.id}`, { permissions: ['sso:admin'] }),
      403,
      'forbidden',
    );
    expect((await as(adminToken).get(`/admin/users/${second.id}`)).body.permissions).toEqual([]);
  });

  it('should decide on the stored permissions, never on claims: forged scopes are of no use, and never a 500', async () => {
    const plain = await createUser(t.app);
    const session = await login(t.app, plain.email);
    const claims = decodePart(session, 1);
    const forge = (extra: object) =>
      forgeToken(
        t.key.privateKey,
        { ...claims, exp: (claims.iat as number) + 300, ...extra },
        {
          kid: t.key.kid,
        },
      );
    // Even signed with the server's key (a stolen key is out of scope, but claims must not matter):
    for (const scopes of [['sso:admin'], undefined]) {
      const admin = await forge({ token: 'admin', aud: ['https://sso.test/admin'], scopes });
      expectError(await as(admin).get('/admin/users'), 403, 'forbidden');
    }
    // Claims of the wrong type are refused by the shared token rules, before any permission.
    for (const scopes of ['sso:admin', 'x sso:admin x', 42, null]) {
      const admin = await forge({ token: 'admin', aud: ['https://sso.test/admin'], scopes });
      expectError(await as(admin).get('/admin/users'), 401, 'invalid_token');
    }
    for (const scopes of [['sso:admin'], 'sso:admin', undefined]) {
      const auth = await forge({ token: 'auth', aud: ['https://sso.test'], scopes });
      expect((await as(auth).get('/admin/users')).status).toBe(401);
    }
  });
  it('should hold admin tokens to the shared token rules: exp required, claims of the right types', async () => {
    const claims = decodePart(adminToken, 1);
    const resign = (changes: Record<string, unknown>) =>
      forgeToken(t.key.privateKey, { ...claims, ...changes }, { kid: t.key.kid });
    await as(await resign({}))
      .get('/admin/users')
      .expect(200);
    for (const [changes, message] of [
      [{ exp: undefined }, 'The token\'s "exp" claim is missing (admin tokens must expire)'],
      [{ scopes: 'sso:admin' }, 'The token\'s "scopes" claim must be an array of strings'],
      [{ uid: 42 }, 'The token\'s "uid" claim must be a UUID'],
    ] as const) {
      const response = await as(await resign(changes)).get('/admin/users');
      expect(response.body).toEqual({ statusCode: 401, code: 'invalid_token', message });
    }
  });
});
