import { createHmac, createPublicKey, randomUUID, verify as cryptoVerify } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import request from 'supertest';
import { Actors } from '@nest-sso/audit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndSessionsUseCase, SessionsService } from '@nest-sso/sessions';
import { UsersService } from '@nest-sso/users';
import { createAccountWithMember, createUser } from './support/factories';
import { forgeToken, rawToken, sessionClaims } from './support/forge';
import { authorize, decodePart, login } from './support/http';
import { makeKeyStoreDir, writeTestKey } from './support/key-store';
import { startTestApp, TEST_IDENTITY, TestApp } from './support/test-app';

describe('POST /authorize', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const post = (token?: string, scheme = 'JWT') => {
    const req = request(t.app.getHttpServer()).post('/authorize');
    return token === undefined ? req : req.set('Authorization', `${scheme} ${token}`);
  };

  it('should issue an authorization token with the global permissions and the exact DRF-SSO claim set', async () => {
    const user = await createUser(t.app, { permissions: ['sso:read', 'reports:view'] });
    const session = await login(t.app, user.email);
    const before = Math.floor(Date.now() / 1000);
    const response = await post(session).send({}).expect(200);

    expect(Object.keys(response.body)).toEqual(['token']);
    const token = response.body.token as string;
    expect(decodePart(token, 0)).toEqual({ alg: 'RS256', kid: t.key.kid, typ: 'JWT' });
    const claims = decodePart(token, 1);
    expect(Object.keys(claims).sort()).toEqual(
      [
        'aud',
        'cid',
        'email',
        'exp',
        'iat',
        'iss',
        'jti',
        'scopes',
        'sid',
        'sub',
        'token',
        'uid',
      ].sort(),
    );
    expect(claims).toMatchObject({
      token: 'auth',
      sid: decodePart(session, 1).sid,
      cid: '',
      uid: user.id,
      sub: user.id,
      email: user.email,
      scopes: ['sso:read', 'reports:view'],
      iss: TEST_IDENTITY,
      aud: [TEST_IDENTITY],
    });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.exp).toBe((claims.iat as number) + 300);
  });

  it('should give a session token the documented claims and no expiry', async () => {
    const user = await createUser(t.app);
    const session = await login(t.app, user.email);
    expect(decodePart(session, 0)).toEqual({ alg: 'RS256', kid: t.key.kid, typ: 'JWT' });
    const claims = decodePart(session, 1);
    expect(Object.keys(claims).sort()).toEqual(
      ['aud', 'cid', 'email', 'iat', 'iss', 'jti', 'sid', 'sub', 'token', 'uid'].sort(),
    );
    expect(claims).toMatchObject({
      token: 'session',
      uid: user.id,
      iss: TEST_IDENTITY,
      aud: [TEST_IDENTITY],
    });
  });

  it("should put the membership's permissions and the account in the token, by account name or id", async () => {
    const user = await createUser(t.app, { permissions: ['global'] });
    const account = await createAccountWithMember(t.app, user, ['orders:read', 'orders:write']);
    const session = await login(t.app, user.email);

    for (const ref of [account.name, account.id]) {
      const claims = decodePart(await authorize(t.app, session, ref), 1);
      expect(claims.account).toBe(account.id);
      expect(claims.scopes).toEqual(['orders:read', 'orders:write']);
    }
  });

  it('should compare UUIDs in canonical form: an upper-case account id, and a session token with upper-case ids', async () => {
    const user = await createUser(t.app);
    const account = await createAccountWithMember(t.app, user, ['orders:read']);
    const session = await login(t.app, user.email);
    const claims = decodePart(await authorize(t.app, session, account.id.toUpperCase()), 1);
    expect(claims.account).toBe(account.id);

    const sid = decodePart(session, 1).sid as string;
    const shouting = await forgeToken(
      t.key.privateKey,
      sessionClaims(TEST_IDENTITY, user.id.toUpperCase(), sid.toUpperCase()),
      { kid: t.key.kid },
    );
    const response = await post(shouting).send({}).expect(200);
    expect(decodePart(response.body.token as string, 1)).toMatchObject({ sid, uid: user.id });
  });

  it('should answer 403 for an account the user is not a member of, and for an unknown account', async () => {
    const user = await createUser(t.app);
    const other = await createUser(t.app);
    const account = await createAccountWithMember(t.app, other, ['orders:read']);
    const session = await login(t.app, user.email);

    for (const ref of [account.name, 'no-such-account', randomUUID()]) {
      const response = await post(session).send({ account: ref }).expect(403);
      expect(response.body).toEqual({
        statusCode: 403,
        code: 'not_a_member',
        message: `You are not a member of account "${ref}"`,
      });
    }
  });

  it('should accept the Bearer scheme, in any letter case', async () => {
    const user = await createUser(t.app);
    const session = await login(t.app, user.email);
    await post(session, 'Bearer').expect(200);
    await post(session, 'jwt').expect(200);
  });

  it('should issue a token that verifies with only the published JWKS and with only the public key', async () => {
    const user = await createUser(t.app, { permissions: ['a'] });
    const token = await authorize(t.app, await login(t.app, user.email));

    const jwks = await request(t.app.getHttpServer()).get('/.well-known/jwks.json').expect(200);
    expect(jwks.headers['cache-control']).toBe('public, max-age=300');
    expect(jwks.body.keys).toEqual([
      expect.objectContaining({ kty: 'RSA', kid: t.key.kid, alg: 'RS256', use: 'sig' }),
    ]);
    expect(jwks.body.keys[0]).not.toHaveProperty('d');
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks.body), {
      algorithms: ['RS256'],
      issuer: TEST_IDENTITY,
      audience: TEST_IDENTITY,
    });
    expect(payload.uid).toBe(user.id);

    const [header, body, signature] = token.split('.');
    const valid = cryptoVerify(
      'RSA-SHA256',
      Buffer.from(`${header}.${body}`),
      createPublicKey(t.key.publicPem),
      Buffer.from(signature, 'base64url'),
    );
    expect(valid).toBe(true);
  });

  it('should record the last use of the session, and write it at most once per interval', async () => {
    const user = await createUser(t.app);
    const session = await login(t.app, user.email);
    const sid = decodePart(session, 1).sid as string;
    const sessions = t.app.get(SessionsService);
    expect((await sessions.findById(sid))?.lastUsedAt).toBeNull();

    await post(session).expect(200);
    const first = (await sessions.findById(sid))?.lastUsedAt;
    expect(first).toBeInstanceOf(Date);
    await post(session).expect(200);
    expect((await sessions.findById(sid))?.lastUsedAt).toEqual(first);
  });

  describe('refusals', () => {
    const expectRefused = async (token: string | undefined, code: string, scheme = 'JWT') => {
      const response = await post(token, scheme);
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('JWT realm="api"');
      expect(response.body).toEqual({ statusCode: 401, code, message: expect.any(String) });
    };

    it('should refuse a request without credentials, or with another scheme', async () => {
      await expectRefused(undefined, 'not_authenticated');
      await expectRefused('abc', 'not_authenticated', 'Basic');
      const response = await request(t.app.getHttpServer())
        .post('/authorize')
        .set('Authorization', 'JWT');
      expect(response.body.code).toBe('not_authenticated');
    });

    it('should refuse an authorization token: only session tokens mint authorization tokens', async () => {
      const user = await createUser(t.app);
      const authToken = await authorize(t.app, await login(t.app, user.email));
      await expectRefused(authToken, 'wrong_token_type');
    });

    it('should refuse the session token of a revoked session', async () => {
      const user = await createUser(t.app);
      const session = await login(t.app, user.email);
      await t.app
        .get(EndSessionsUseCase)
        .one(decodePart(session, 1).sid as string, 'operator', Actors.cli());
      await expectRefused(session, 'session_revoked');
    });

    it('should refuse the session token of a deactivated user', async () => {
      const user = await createUser(t.app);
      const session = await login(t.app, user.email);
      await t.app.get(UsersService).setActive(user.email, false);
      await expectRefused(session, 'session_revoked');
    });

    it('should refuse a session token for a session id that does not exist', async () => {
      const user = await createUser(t.app);
      await expectRefused(
        await forgeToken(t.key.privateKey, sessionClaims(TEST_IDENTITY, user.id), {
          kid: t.key.kid,
        }),
        'session_revoked',
      );
    });

    it.each([
      ['garbage', 'not-a-jwt'],
      ['two parts', 'abc.def'],
      ['bad base64 JSON', 'eyJhbGciOi.eyJzdWIi.sig'],
    ])('should refuse a malformed token (%s)', async (_, token) => {
      await expectRefused(token, 'invalid_token');
    });

    it('should refuse a token whose payload was altered after signing', async () => {
      const user = await createUser(t.app);
      const victim = await createUser(t.app);
      const [header, , signature] = (await login(t.app, user.email)).split('.');
      const tampered = Buffer.from(
        JSON.stringify(sessionClaims(TEST_IDENTITY, victim.id)),
      ).toString('base64url');
      await expectRefused(`${header}.${tampered}.${signature}`, 'invalid_token');
    });

    it('should refuse alg "none"', async () => {
      const user = await createUser(t.app);
      await expectRefused(
        rawToken({ alg: 'none', typ: 'JWT' }, sessionClaims(TEST_IDENTITY, user.id)),
        'invalid_token',
      );
    });

    it('should refuse HS256 signed with the public key as the secret (algorithm confusion)', async () => {
      const user = await createUser(t.app);
      const session = await login(t.app, user.email);
      const header = Buffer.from(
        JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: t.key.kid }),
      ).toString('base64url');
      const body = session.split('.')[1];
      const signature = createHmac('sha256', t.key.publicPem)
        .update(`${header}.${body}`)
        .digest('base64url');
      await expectRefused(`${header}.${body}.${signature}`, 'invalid_token');
    });

    it('should refuse a token with an unknown kid, and one signed by a key the server does not hold', async () => {
      const user = await createUser(t.app);
      const stranger = writeTestKey(makeKeyStoreDir(), 'stranger');
      const claims = sessionClaims(TEST_IDENTITY, user.id);
      await expectRefused(
        await forgeToken(t.key.privateKey, claims, { kid: 'unknown-kid' }),
        'invalid_token',
      );
      await expectRefused(
        await forgeToken(stranger.privateKey, claims, { kid: t.key.kid }),
        'invalid_token',
      );
    });

    it('should refuse a sid that is not a UUID, with a 401 and not a 500', async () => {
      const user = await createUser(t.app);
      const claims = sessionClaims(TEST_IDENTITY, user.id, 'not-a-uuid');
      await expectRefused(
        await forgeToken(t.key.privateKey, claims, { kid: t.key.kid }),
        'invalid_token',
      );
    });

    it('should refuse a token from another issuer, and one for another audience', async () => {
      const user = await createUser(t.app);
      const otherIssuer = { ...sessionClaims(TEST_IDENTITY, user.id), iss: 'https://evil.test' };
      await expectRefused(
        await forgeToken(t.key.privateKey, otherIssuer, { kid: t.key.kid }),
        'invalid_token',
      );
      const otherAudience = {
        ...sessionClaims(TEST_IDENTITY, user.id),
        aud: ['https://orders.test'],
      };
      await expectRefused(
        await forgeToken(t.key.privateKey, otherAudience, { kid: t.key.kid }),
        'invalid_token',
      );
    });

    it('should refuse an expired session token', async () => {
      const user = await createUser(t.app);
      const sid = decodePart(await login(t.app, user.email), 1).sid as string;
      const now = Math.floor(Date.now() / 1000);
      const expired = {
        ...sessionClaims(TEST_IDENTITY, user.id, sid),
        iat: now - 100,
        exp: now - 5,
      };
      await expectRefused(
        await forgeToken(t.key.privateKey, expired, { kid: t.key.kid }),
        'token_expired',
      );
    });

    it('should refuse a body with an unknown field or an overlong account', async () => {
      const user = await createUser(t.app);
      const session = await login(t.app, user.email);
      const unknown = await post(session).send({ acount: 'acme' }).expect(400);
      expect(unknown.body.code).toBe('validation_failed');
      const long = await post(session)
        .send({ account: 'a'.repeat(101) })
        .expect(400);
      expect(long.body.errors).toEqual([expect.objectContaining({ field: 'account' })]);
    });
  });
});

describe('POST /authorize with an expiration leeway', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { SSO_EXPIRATION_LEEWAY: '30' } });
  });
  afterAll(() => t.close());

  it('should accept a token expired within the leeway and refuse one expired beyond it', async () => {
    const user = await createUser(t.app);
    const sid = decodePart(await login(t.app, user.email), 1).sid as string;
    const now = Math.floor(Date.now() / 1000);
    const sign = (exp: number) =>
      forgeToken(
        t.key.privateKey,
        { ...sessionClaims(TEST_IDENTITY, user.id, sid), iat: now - 100, exp },
        { kid: t.key.kid },
      );

    await request(t.app.getHttpServer())
      .post('/authorize')
      .set('Authorization', `JWT ${await sign(now - 10)}`)
      .expect(200);
    const late = await request(t.app.getHttpServer())
      .post('/authorize')
      .set('Authorization', `JWT ${await sign(now - 60)}`)
      .expect(401);
    expect(late.body.code).toBe('token_expired');
  });
});

describe('POST /authorize with keys of another issuer', () => {
  const PARTNER = 'https://partner.test';
  let t: TestApp;
  let partnerKey: ReturnType<typeof writeTestKey>;
  beforeAll(async () => {
    t = await startTestApp({
      env: { SSO_VERIFY_SESSION_TOKEN: 'false' },
      keys: (dir) => {
        partnerKey = writeTestKey(dir, 'partner-1');
        return { SSO_PUBLIC_KEYS: JSON.stringify({ [PARTNER]: [partnerKey.file] }) };
      },
    });
  });
  afterAll(() => t.close());

  it("should refuse a session token from another trusted issuer: only this server's own sessions mint tokens", async () => {
    const user = await createUser(t.app);
    const claims = { ...sessionClaims(TEST_IDENTITY, user.id), iss: PARTNER };
    const token = await forgeToken(partnerKey.privateKey, claims, { kid: partnerKey.kid });
    const response = await request(t.app.getHttpServer())
      .post('/authorize')
      .set('Authorization', `JWT ${token}`)
      .expect(401);
    expect(response.body.code).toBe('invalid_token');

    const ownToken = await forgeToken(t.key.privateKey, sessionClaims(TEST_IDENTITY, user.id), {
      kid: t.key.kid,
    });
    await request(t.app.getHttpServer())
      .post('/authorize')
      .set('Authorization', `JWT ${ownToken}`)
      .expect(200);
  });
});
