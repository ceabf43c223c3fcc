import request from 'supertest';
import { Actors } from '@nest-sso/audit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndSessionsUseCase, SessionsService } from '@nest-sso/sessions';
import { UsersService } from '@nest-sso/users';
import { createUser } from './support/factories';
import { authorize, decodePart, login } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

describe('SSO_SESSION_EXPIRATION, SSO_AUTHORIZATION_EXPIRATION and audiences', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        SSO_SESSION_EXPIRATION: '3600',
        SSO_AUTHORIZATION_EXPIRATION: '60',
        SSO_SESSION_AUDIENCE: 'https://sso.test,https://web.test',
        SSO_AUTHORIZATION_AUDIENCE: '["https://sso.test","https://orders.test"]',
      },
    });
  });
  afterAll(() => t.close());

  it('should give session tokens an expiry and schedule the session row to end with them', async () => {
    const user = await createUser(t.app);
    const session = await login(t.app, user.email);
    const claims = decodePart(session, 1);
    expect(claims.exp).toBe((claims.iat as number) + 3600);
    expect(claims.aud).toEqual(['https://sso.test', 'https://web.test']);
    const row = await t.app.get(SessionsService).findById(claims.sid as string);
    expect(Math.abs(row!.revokedAt!.getTime() / 1000 - (claims.exp as number))).toBeLessThan(5);

    const auth = decodePart(await authorize(t.app, session), 1);
    expect(auth.exp).toBe((auth.iat as number) + 60);
    expect(auth.aud).toEqual(['https://sso.test', 'https://orders.test']);
  });
});

describe('SSO_VERIFY_SESSION_TOKEN=false', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { SSO_VERIFY_SESSION_TOKEN: 'false' } });
  });
  afterAll(() => t.close());

  it('should accept a session token whose row was revoked, but still refuse an inactive user', async () => {
    const user = await createUser(t.app);
    const session = await login(t.app, user.email);
    await t.app
      .get(EndSessionsUseCase)
      .one(decodePart(session, 1).sid as string, 'operator', Actors.cli());
    const post = () =>
      request(t.app.getHttpServer()).post('/authorize').set('Authorization', `JWT ${session}`);
    await post().expect(200);
    await t.app.get(UsersService).setActive(user.email, false);
    await post().expect(401);
  });
});
