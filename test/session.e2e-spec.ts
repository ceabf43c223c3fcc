import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionsService } from '@nest-sso/sessions';
import { UsersService } from '@nest-sso/users';
import { createUser, TEST_PASSWORD } from './support/factories';
import { decodePart } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

describe('POST /session', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const post = (path = '/session') => request(t.app.getHttpServer()).post(path);

  it('should return only a session token and open a session row', async () => {
    const user = await createUser(t.app);
    const response = await post()
      .set('User-Agent', 'curl/8.0')
      .send({ username: user.email, password: TEST_PASSWORD, client_id: 'web-app' })
      .expect(200);

    expect(Object.keys(response.body)).toEqual(['token']);
    const claims = decodePart(response.body.token, 1);
    expect(claims).toMatchObject({
      token: 'session',
      uid: user.id,
      email: user.email,
      cid: 'web-app',
    });
    const session = await t.app.get(SessionsService).findById(claims.sid as string);
    expect(session).toMatchObject({
      userId: user.id,
      clientId: 'web-app',
      userAgent: 'curl/8.0',
      revokedAt: null,
    });
    expect(session?.ipAddress).toMatch(/127\.0\.0\.1|::1/);
  });

  it('should accept the username, any letter case, a trailing slash and a form-encoded body', async () => {
    const user = await createUser(t.app);
    await post('/session/')
      .type('form')
      .send({ username: user.username!.toUpperCase(), password: TEST_PASSWORD })
      .expect(200);
    await post()
      .send({ username: ` ${user.email.toUpperCase()} `, password: TEST_PASSWORD })
      .expect(200);
  });

  it('should store "" as the client id when none is given', async () => {
    const user = await createUser(t.app);
    const response = await post()
      .send({ username: user.email, password: TEST_PASSWORD })
      .expect(200);
    expect(decodePart(response.body.token, 1).cid).toBe('');
  });

  it('should answer unknown user, wrong password and inactive user with one identical 401', async () => {
    const user = await createUser(t.app);
    const inactive = await createUser(t.app);
    await t.app.get(UsersService).setActive(inactive.email, false);

    const answers = await Promise.all([
      post().send({ username: 'nobody@example.com', password: TEST_PASSWORD }),
      post().send({ username: user.email, password: 'wrong password' }),
      post().send({ username: inactive.email, password: TEST_PASSWORD }),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('JWT realm="api"');
      expect(answer.body).toEqual({
        statusCode: 401,
        code: 'invalid_credentials',
        message: 'Unable to log in with the provided credentials',
      });
    }
  });

  it.each([
    ['a missing password', { username: 'a@example.com' }, 'password'],
    ['a missing username', { password: 'x' }, 'username'],
    ['a non-string username', { username: 42, password: 'x' }, 'username'],
    ['an empty password', { username: 'a@example.com', password: '' }, 'password'],
    [
      'an overlong client_id',
      { username: 'a@example.com', password: 'x', client_id: 'c'.repeat(101) },
      'client_id',
    ],
    ['an unknown field', { username: 'a@example.com', password: 'x', admin: true }, 'admin'],
  ])('should refuse %s with a 400 naming the field', async (_, body, field) => {
    const response = await post().send(body).expect(400);
    expect(response.body).toMatchObject({
      statusCode: 400,
      code: 'validation_failed',
      message: 'The request is invalid',
    });
    expect(response.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field })]),
    );
  });

  it('should accept a client_id of exactly the maximum length', async () => {
    const user = await createUser(t.app);
    await post()
      .send({ username: user.email, password: TEST_PASSWORD, client_id: 'c'.repeat(100) })
      .expect(200);
  });

  it('should answer malformed JSON with a 400 and an oversized body with a 413, without internals', async () => {
    const malformed = await post()
      .set('Content-Type', 'application/json')
      .send('{"username": ')
      .expect(400);
    expect(malformed.body).toEqual({
      statusCode: 400,
      code: 'malformed_request',
      message: 'The request body could not be parsed',
    });
    const huge = await post()
      .send({ username: 'a', password: 'p'.repeat(20_000) })
      .expect(413);
    expect(huge.body.code).toBe('payload_too_large');
  });
});
