import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyFile, KeyStore } from '@nest-sso/keys';
import { ExampleAppModule } from '../apps/example-service/src/app.module';
import { createAccountWithMember, createUser } from './support/factories';
import { forgeToken } from './support/forge';
import { authorize, decodePart, login } from './support/http';
import { makeKeyStoreDir, writeTestKey } from './support/key-store';
import { startTestApp, TEST_IDENTITY, TestApp, useKeysJson } from './support/test-app';
import { waitFor } from './support/wait-for';

const SERVICE = 'orders';

/** Both apps for real: the identity server on a port, and the example service fetching its JWKS. */
describe('Example service trusting the identity server', () => {
  let sso: TestApp;
  let orders: INestApplication;
  let email: string;
  let accountId: string;
  let session: string;

  beforeAll(async () => {
    sso = await startTestApp({
      env: { SSO_AUTHORIZATION_AUDIENCE: `${TEST_IDENTITY},${SERVICE}` },
      keys: (dir) => useKeysJson(dir, ['sso-test-20260101.pem']),
    });
    await sso.app.listen(0, '127.0.0.1');
    const { port } = sso.app.getHttpServer().address() as AddressInfo;
    orders = await NestFactory.create(
      ExampleAppModule.forRoot({
        identity: SERVICE,
        acceptedIssuers: [TEST_IDENTITY],
        keys: {
          jwks: { [TEST_IDENTITY]: `http://127.0.0.1:${port}/.well-known/jwks.json` },
          refetchCooldown: 1,
        },
      }),
      { logger: ['error'] },
    );
    await orders.init();

    const user = await createUser(sso.app);
    email = user.email;
    accountId = (await createAccountWithMember(sso.app, user, ['orders:read'])).id;
    session = await login(sso.app, email);
  });
  afterAll(async () => {
    await orders.close();
    await sso.close();
  });

  const get = (path: string, token?: string) => {
    const req = request(orders.getHttpServer()).get(path);
    return token === undefined ? req : req.set('Authorization', `Bearer ${token}`);
  };
  const expectRefused = async (token: string | undefined, status: number, code: string) => {
    const response = await get(`/accounts/${accountId}/orders`, token);
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ statusCode: status, code, message: expect.any(String) });
    if (status === 401) expect(response.headers['www-authenticate']).toBe('JWT realm="api"');
  };

  it("should serve an account's orders to a fresh authorization token for that account", async () => {
    const token = await authorize(sso.app, session, accountId);
    const response = await get(`/accounts/${accountId}/orders`, token).expect(200);
    expect(response.body.account).toBe(accountId);
    expect(response.body.orders).toHaveLength(3);

    const whoami = await get('/whoami', token).expect(200);
    expect(whoami.body).toMatchObject({
      email,
      account: accountId,
      scopes: ['orders:read'],
      issuer: TEST_IDENTITY,
    });
  });

  it('should answer 401 without a token, and to a session token', async () => {
    await expectRefused(undefined, 401, 'not_authenticated');
    // A real session token (addressed to the identity server only) is refused for its type...
    await expectRefused(session, 401, 'wrong_token_type');
    // ...and so is one that were addressed to the service.
    const claims = { ...decodePart(session, 1), aud: [TEST_IDENTITY, SERVICE] };
    await expectRefused(
      await forgeToken(sso.key.privateKey, claims, { kid: sso.key.kid }),
      401,
      'wrong_token_type',
    );
  });

  it('should answer 401 to an expired token', async () => {
    const claims = decodePart(await authorize(sso.app, session, accountId), 1);
    const now = Math.floor(Date.now() / 1000);
    const expired = await forgeToken(
      sso.key.privateKey,
      { ...claims, iat: now - 600, exp: now - 300 },
      { kid: sso.key.kid },
    );
    await expectRefused(expired, 401, 'token_expired');
  });

  it('should answer 401 to a token from an issuer it does not accept, and to a tampered token', async () => {
    const claims = decodePart(await authorize(sso.app, session, accountId), 1);
    const stranger = writeTestKey(makeKeyStoreDir(), 'stranger');
    await expectRefused(
      await forgeToken(
        stranger.privateKey,
        { ...claims, iss: 'https://evil.test' },
        { kid: 'stranger' },
      ),
      401,
      'invalid_token',
    );

    const [header, , signature] = (await authorize(sso.app, session, accountId)).split('.');
    const raised = Buffer.from(
      JSON.stringify({ ...claims, scopes: ['orders:read', 'orders:admin'] }),
    ).toString('base64url');
    await expectRefused(`${header}.${raised}.${signature}`, 401, 'invalid_token');
  });

  it('should answer 401 to a token meant for another service', async () => {
    const claims = decodePart(await authorize(sso.app, session, accountId), 1);
    await expectRefused(
      await forgeToken(sso.key.privateKey, { ...claims, aud: ['billing'] }, { kid: sso.key.kid }),
      401,
      'invalid_token',
    );
  });

  it('should answer 403 to a token for another account, or one without the scope', async () => {
    const user = await createUser(sso.app);
    const other = await createAccountWithMember(sso.app, user, ['orders:read']);
    const otherToken = await authorize(sso.app, await login(sso.app, user.email), other.id);
    await expectRefused(otherToken, 403, 'wrong_account');

    const noAccountNoScope = await authorize(sso.app, session);
    // The account is checked first: a token for no account is the wrong credential altogether.
    await expectRefused(noAccountNoScope, 403, 'wrong_account');
    const scopeless = await createUser(sso.app);
    const account = await createAccountWithMember(sso.app, scopeless, ['orders:write']);
    const response = await get(
      `/accounts/${account.id}/orders`,
      await authorize(sso.app, await login(sso.app, scopeless.email), account.id),
    );
    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      statusCode: 403,
      code: 'insufficient_scope',
      message: 'This action needs the scope orders:read',
    });
  });

  it('should keep checking the account and scopes of a token it has verified before', async () => {
    const token = await authorize(sso.app, session, accountId);
    await get(`/accounts/${accountId}/orders`, token).expect(200);
    await get(`/accounts/${accountId}/orders`, token).expect(200); // verified-token cache hit
    await get('/whoami', token).expect(200);
    const other = await createAccountWithMember(sso.app, await createUser(sso.app), [
      'orders:read',
    ]);
    const response = await get(`/accounts/${other.id}/orders`, token);
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('wrong_account');
  });

  it('should accept tokens of a key rotated in at the identity server, by refetching the JWKS, without a restart', async () => {
    await get(`/accounts/${accountId}/orders`, await authorize(sso.app, session, accountId)).expect(
      200,
    );
    const { kid } = await generateKeyFile(
      { keyStoreRoot: sso.keyDir },
      { issuer: TEST_IDENTITY, kind: 'ES256', bits: 2048, activateAt: null },
    );
    await waitFor(
      () => sso.app.get(KeyStore).current.signingKey(TEST_IDENTITY)?.kid === kid,
      'the rotation',
    );

    const token = await authorize(sso.app, session, accountId);
    expect(decodePart(token, 0)).toMatchObject({ kid, alg: 'ES256' });
    await waitFor(
      async () => (await get(`/accounts/${accountId}/orders`, token)).status === 200,
      'the JWKS refetch',
      5000,
    );
  });

  it('should serve the unguarded baseline route without a token', async () => {
    await get(`/public/accounts/${accountId}/orders`).expect(200);
  });
});
