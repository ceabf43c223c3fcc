import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountWithMember, createUser } from './support/factories';
import { authorize, decodePart, login } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

describe('GET /me', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it("should return the caller's profile and memberships, and never the password hash", async () => {
    const user = await createUser(t.app, { permissions: ['global:read'] });
    const account = await createAccountWithMember(t.app, user, ['orders:read']);
    const session = await login(t.app, user.email);

    const response = await request(t.app.getHttpServer())
      .get('/me')
      .set('Authorization', `Bearer ${session}`)
      .expect(200);
    expect(response.body).toEqual({
      id: user.id,
      email: user.email,
      username: user.username,
      permissions: ['global:read'],
      memberships: [
        { account_id: account.id, account_name: account.name, permissions: ['orders:read'] },
      ],
      session_id: decodePart(session, 1).sid,
    });
    expect(JSON.stringify(response.body)).not.toContain('argon2');
  });

  it('should refuse an authorization token and a missing token', async () => {
    const user = await createUser(t.app);
    const authToken = await authorize(t.app, await login(t.app, user.email));
    const wrongType = await request(t.app.getHttpServer())
      .get('/me')
      .set('Authorization', `JWT ${authToken}`)
      .expect(401);
    expect(wrongType.body.code).toBe('wrong_token_type');
    await request(t.app.getHttpServer()).get('/me').expect(401);
  });
});
