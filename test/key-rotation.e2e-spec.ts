import { createPublicKey } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalJWKSet, exportJWK, jwtVerify } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyFile, KeyStore, retireKeyFile } from '@nest-sso/keys';
import { createUser } from './support/factories';
import { forgeToken, sessionClaims } from './support/forge';
import { authorize, decodePart, login } from './support/http';
import { startTestApp, TEST_IDENTITY, TestApp, useKeysJson } from './support/test-app';
import { waitFor } from './support/wait-for';

const kidOf = (token: string) => decodePart(token, 0).kid as string;

async function jwks(t: TestApp): Promise<{ keys: { kid: string }[] }> {
  const response = await request(t.app.getHttpServer()).get('/.well-known/jwks.json').expect(200);
  return response.body as { keys: { kid: string }[] };
}

/** Writes a key for the test identity, listed first in keys.json, activating `inMs` from now. */
function rotate(t: TestApp, inMs: number, kind: 'RS256' | 'ES256' | 'EdDSA' = 'RS256') {
  return generateKeyFile(
    { keyStoreRoot: t.keyDir },
    {
      issuer: TEST_IDENTITY,
      kind,
      bits: 2048,
      activateAt: inMs === 0 ? null : new Date(Date.now() + inMs),
    },
  );
}

const keyConfig = (t: TestApp) => ({
  nodeEnv: 'test' as const,
  identity: TEST_IDENTITY,
  keyStoreRoot: t.keyDir,
  privateKeys: null,
  publicKeys: null,
  encodeAlgorithm: 'RS256' as const,
});

/** The server's discovery document. */
async function discovery(t: TestApp): Promise<Record<string, unknown>> {
  const response = await request(t.app.getHttpServer())
    .get('/.well-known/openid-configuration')
    .expect(200);
  return response.body as Record<string, unknown>;
}

describe('Key rotation on a running server', () => {
  let t: TestApp;
  let email: string;
  let oldSession: string;
  let oldAuthToken: string;
  let newKid: string;

  beforeAll(async () => {
    t = await startTestApp({ keys: (dir) => useKeysJson(dir, ['sso-test-20260101.pem']) });
    email = (await createUser(t.app)).email;
    oldSession = await login(t.app, email);
    oldAuthToken = await authorize(t.app, oldSession);
  });
  afterAll(() => t.close());

  it('should publish a pending key at once, and sign with it only from its activation time', async () => {
    const activation = Date.now() + 3000;
    const key = await rotate(t, 3000);
    newKid = key.kid;
    expect(key.listed).toBe(true);

    await waitFor(
      async () => (await jwks(t)).keys.some((k) => k.kid === newKid),
      'the new key in the JWKS',
    );
    expect(Date.now()).toBeLessThan(activation);
    expect(kidOf(await authorize(t.app, oldSession))).toBe(t.key.kid);

    await waitFor(() => Date.now() >= activation, 'the activation time', 6000);
    const newSession = await login(t.app, email);
    expect(kidOf(newSession)).toBe(newKid);
    expect(kidOf(await authorize(t.app, newSession))).toBe(newKid);
  });

  it('should still verify tokens of the previous key, and let its sessions authorize', async () => {
    expect(kidOf(await authorize(t.app, oldSession))).toBe(newKid);
    const { payload } = await jwtVerify(oldAuthToken, createLocalJWKSet(await jwks(t)), {
      issuer: TEST_IDENTITY,
      audience: TEST_IDENTITY,
    });
    expect(payload.token).toBe('auth');
  });

  it('should keep a retired key verifying, and refuse its tokens once the key is removed', async () => {
    const keyStore = t.app.get(KeyStore);
    await retireKeyFile(keyConfig(t), TEST_IDENTITY, t.key.kid);
    expect(readFileSync(join(t.keyDir, t.key.file), 'utf8')).not.toContain('PRIVATE KEY');
    await waitFor(
      () =>
        keyStore.current.keysOf(TEST_IDENTITY).find((k) => k.kid === t.key.kid)?.privateKey ===
        null,
      'the retired key to reload',
    );
    await request(t.app.getHttpServer())
      .post('/authorize')
      .set('Authorization', `JWT ${oldSession}`)
      .expect(200);

    useKeysJson(t.keyDir, [`${newKid}.pem`]);
    rmSync(join(t.keyDir, t.key.file));
    await waitFor(
      async () => !(await jwks(t)).keys.some((k) => k.kid === t.key.kid),
      'the old key to leave the JWKS',
    );
    const refused = await request(t.app.getHttpServer())
      .post('/authorize')
      .set('Authorization', `JWT ${oldSession}`)
      .expect(401);
    expect(refused.body).toMatchObject({
      code: 'invalid_token',
      message: 'The token was signed with an unknown key',
    });
  });

  it('should keep serving, and stay ready, with the last good set when a key file breaks; the metric and the log say so, the public health never names the file', async () => {
    const keyStore = t.app.get(KeyStore);
    const file = join(t.keyDir, `${newKid}.pem`);
    const good = readFileSync(file, 'utf8');
    const metric = async () =>
      (await request(t.app.getHttpServer()).get('/metrics').expect(200)).text.match(
        /^nest_sso_key_store_last_reload_ok (\d)$/m,
      )?.[1];
    expect(await metric()).toBe('1');
    writeFileSync(file, 'not a key');
    try {
      await waitFor(() => keyStore.status.lastError, 'the failed reload');
      // The log line (and the operator's CLI) name the file.
      expect(keyStore.status.lastError).toContain(file);
      // One bad commit to a shared store must not take every replica out of the load balancer.
      const ready = await request(t.app.getHttpServer()).get('/health/ready').expect(200);
      expect(ready.body.details.keys).toMatchObject({
        status: 'up',
        active_kid: newKid,
        last_reload: 'failed',
      });
      expect(JSON.stringify(ready.body)).not.toContain(t.keyDir);
      expect(JSON.stringify(ready.body)).not.toContain('.pem');
      expect(await metric()).toBe('0');
      expect(kidOf(await login(t.app, email))).toBe(newKid);
    } finally {
      writeFileSync(file, good);
    }
    await waitFor(() => keyStore.status.lastError === null, 'the reload to succeed again');
    const ready = await request(t.app.getHttpServer()).get('/health/ready').expect(200);
    expect(ready.body.details.keys.last_reload).toBe('ok');
  });

  it('should leave an unchanged key set as it was on a reload', async () => {
    const keyStore = t.app.get(KeyStore);
    const etag = keyStore.current.jwks.etag;
    await expect(keyStore.reload('test')).resolves.toBe(true);
    expect(keyStore.current.jwks.etag).toBe(etag);
  });
});

describe('SIGHUP', () => {
  it('should reload the key store on SIGHUP, and stop listening once closed', async () => {
    const before = process.listeners('SIGHUP');
    const t = await startTestApp();
    try {
      const added = process.listeners('SIGHUP').filter((listener) => !before.includes(listener));
      expect(added).toHaveLength(1);
      const keyStore = t.app.get(KeyStore);
      const { reloads } = keyStore.status;
      // The server's own listener, called directly: a real signal would reach the test runner too.
      added[0]('SIGHUP');
      await waitFor(() => keyStore.status.reloads > reloads, 'the SIGHUP reload');
    } finally {
      await t.close();
    }
    expect(process.listeners('SIGHUP')).toEqual(before);
  });
});

describe('Key lookup by kid', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it("should verify a token without a kid with the issuer's first key", async () => {
    const user = await createUser(t.app);
    const sid = decodePart(await login(t.app, user.email), 1).sid as string;
    const token = await forgeToken(t.key.privateKey, sessionClaims(TEST_IDENTITY, user.id, sid));
    await request(t.app.getHttpServer())
      .post('/authorize')
      .set('Authorization', `JWT ${token}`)
      .expect(200);
  });

  it.each(['unknown-kid', '../../etc/passwd', `../${'x'.repeat(300)}`, 'sso-test-20260101.pem'])(
    'should refuse the kid %s with a 401, reading no file',
    async (kid) => {
      const user = await createUser(t.app);
      const token = await forgeToken(t.key.privateKey, sessionClaims(TEST_IDENTITY, user.id), {
        kid,
      });
      const response = await request(t.app.getHttpServer())
        .post('/authorize')
        .set('Authorization', `JWT ${token}`);
      expect(response.status).toBe(401);
      expect(response.body.message).toBe('The token was signed with an unknown key');
    },
  );
});

describe('JWKS and discovery', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { SSO_JWKS_MAX_AGE: '120', SSO_PUBLIC_URL: 'https://sso.example.com/' },
      keys: (dir) => useKeysJson(dir, ['sso-test-20260101.pem']),
    });
    await rotate(t, 3_600_000, 'ES256');
    await waitFor(async () => (await jwks(t)).keys.length === 2, 'the pending EC key');
  });
  afterAll(() => t.close());

  it('should publish exactly the public keys of the PEM files (checked by an independent JWK conversion)', async () => {
    const served = await jwks(t);
    const expected = await Promise.all(
      t.app
        .get(KeyStore)
        .current.keysOf(TEST_IDENTITY)
        .map(async (key) => ({
          ...(await exportJWK(createPublicKey(readFileSync(key.file, 'utf8')))),
          kid: key.kid,
          alg: key.kid === t.key.kid ? 'RS256' : 'ES256',
          use: 'sig',
        })),
    );
    expect(served.keys).toEqual(expected);
  });

  it('should send Cache-Control and an ETag, and answer If-None-Match with 304', async () => {
    const first = await request(t.app.getHttpServer()).get('/.well-known/jwks.json').expect(200);
    expect(first.headers['cache-control']).toBe('public, max-age=120');
    const etag = first.headers.etag;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    await request(t.app.getHttpServer())
      .get('/.well-known/jwks.json')
      .set('If-None-Match', etag)
      .expect(304);
    await request(t.app.getHttpServer())
      .get('/.well-known/jwks.json')
      .set('If-None-Match', '"other"')
      .expect(200);
  });

  it("should publish the OpenID Provider's discovery document at the root, on the public URL, pointing at these keys", async () => {
    // Whatever host and scheme the request came with: the public URL is the issuer's origin.
    const response = await request(t.app.getHttpServer())
      .get('/.well-known/openid-configuration')
      .set('X-Forwarded-Host', 'evil.example')
      .expect(200);
    expect(response.body).toMatchObject({
      issuer: 'https://sso.example.com',
      jwks_uri: 'https://sso.example.com/oidc/jwks',
      token_endpoint: 'https://sso.example.com/oidc/token',
      // ID tokens are signed by the active key only.
      id_token_signing_alg_values_supported: ['RS256'],
    });
    const served = await request(t.app.getHttpServer()).get('/oidc/jwks').expect(200);
    const canonical = await request(t.app.getHttpServer()).get('/.well-known/jwks.json');
    expect(served.text).toBe(canonical.text);
  });
});

describe.each(['ES256', 'EdDSA'] as const)('%s keys', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ keys: (dir) => useKeysJson(dir, ['sso-test-20260101.pem']) });
    // The discovery document is made once per signing key: read it before the rotation too.
    expect((await discovery(t)).id_token_signing_alg_values_supported).toEqual(['RS256']);
    await rotate(t, 0, kind);
    await waitFor(
      () => t.app.get(KeyStore).current.signingKey(TEST_IDENTITY)?.algorithm === kind,
      `the ${kind} key`,
    );
  });
  afterAll(() => t.close());

  it(`should name ${kind} for ID tokens in the discovery document once it signs`, async () => {
    expect((await discovery(t)).id_token_signing_alg_values_supported).toEqual([kind]);
  });

  it(`should sign with ${kind}, verifiable with the JWKS, and refuse a token whose alg does not match its key`, async () => {
    const user = await createUser(t.app);
    const session = await login(t.app, user.email);
    const token = await authorize(t.app, session);
    expect(decodePart(token, 0).alg).toBe(kind);
    await jwtVerify(token, createLocalJWKSet(await jwks(t)), {
      issuer: TEST_IDENTITY,
      audience: TEST_IDENTITY,
    });

    // An RSA-signed token that names the new key's kid: the key's own algorithm wins.
    const confused = await forgeToken(
      t.key.privateKey,
      sessionClaims(TEST_IDENTITY, user.id, decodePart(session, 1).sid as string),
      {
        kid: kidOf(token),
      },
    );
    const response = await request(t.app.getHttpServer())
      .post('/authorize')
      .set('Authorization', `JWT ${confused}`);
    expect(response.status).toBe(401);
    expect(response.body.message).toBe('The token algorithm is not accepted');
  });
});

describe('Two servers sharing one key store and database', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ keys: (dir) => useKeysJson(dir, ['sso-test-20260101.pem']) });
    b = await startTestApp({ share: a, env: { SSO_PRIVATE_KEYS: '' } });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it("should agree on the active key after a rotation, and accept each other's tokens", async () => {
    const user = await createUser(a.app);
    const { kid } = await rotate(a, 0);
    for (const t of [a, b]) {
      await waitFor(
        () => t.app.get(KeyStore).current.signingKey(TEST_IDENTITY)?.kid === kid,
        'the rotation',
      );
    }
    const fromA = await login(a.app, user.email);
    const fromB = await login(b.app, user.email);
    expect([kidOf(fromA), kidOf(fromB)]).toEqual([kid, kid]);
    expect(kidOf(await authorize(b.app, fromA))).toBe(kid);
    expect(kidOf(await authorize(a.app, fromB))).toBe(kid);
  });
});

describe('Rotation under load', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ keys: (dir) => useKeysJson(dir, ['sso-test-20260101.pem']) });
  });
  afterAll(() => t.close());

  it('should fail no request while a key is published, activated and the old one retired', async () => {
    const users = await Promise.all([0, 1, 2, 3].map(() => createUser(t.app)));
    const sessions = await Promise.all(users.map((u) => login(t.app, u.email)));
    const statuses = new Map<number, number>();
    const kids = new Set<string>();
    let stop = false;
    const worker = async (session: string) => {
      while (!stop) {
        const response = await request(t.app.getHttpServer())
          .post('/authorize')
          .set('Authorization', `JWT ${session}`);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 200) kids.add(kidOf(response.body.token));
      }
    };
    const workers = [...sessions, ...sessions].map(worker);

    const { kid } = await rotate(t, 1500);
    await waitFor(() => kids.has(kid), 'tokens signed by the new key', 8000);
    await retireKeyFile(keyConfig(t), TEST_IDENTITY, t.key.kid);
    await new Promise((resolve) => setTimeout(resolve, 500));
    stop = true;
    await Promise.all(workers);

    expect([...statuses.keys()]).toEqual([200]);
    expect(statuses.get(200)).toBeGreaterThan(50);
    expect(kids).toEqual(new Set([t.key.kid, kid]));
  });
});
