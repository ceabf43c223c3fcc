import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { generateKeyFile } from '@nest-sso/keys';
import { createApp } from '../apps/identity-server/src/create-app';
import { createUser } from './support/factories';
import { authorize, decodePart, login } from './support/http';
import { writeSecretVolume } from './support/secret-volume';
import { TEST_IDENTITY } from './support/test-app';
import { TEST_DATABASE_URL } from './support/test-database';
import { waitFor } from './support/wait-for';

/** A new key file for the test identity, made with the key tools into a staging folder. */
async function newKey(staging: string, activateAt: Date | null) {
  const key = await generateKeyFile(
    { keyStoreRoot: staging },
    { issuer: TEST_IDENTITY, kind: 'RS256', bits: 2048, activateAt },
  );
  return { name: basename(key.path), kid: key.kid, pem: readFileSync(key.path, 'utf8') };
}

/**
 * deploy/kubernetes mounts the key store from a Secret. Rotating by updating that Secret must
 * reach running replicas without a restart: here the kubelet's atomic update of the mounted
 * folder is replayed on a running server, whose re-scan is off, so only its folder watch sees it.
 */
describe('Key store mounted from a Kubernetes Secret', () => {
  const root = mkdtempSync(join(tmpdir(), 'nest-sso-secret-'));
  const keys = join(root, 'keys');
  const staging = join(root, 'staging');
  let app: NestFastifyApplication;
  let old: Awaited<ReturnType<typeof newKey>>;

  const jwksKids = async () =>
    (
      (await request(app.getHttpServer()).get('/.well-known/jwks.json').expect(200)).body as {
        keys: { kid: string }[];
      }
    ).keys.map((k) => k.kid);

  beforeAll(async () => {
    old = await newKey(staging, new Date(Date.now() - 86_400_000));
    writeSecretVolume(keys, { [old.name]: old.pem });
    app = await createApp({
      env: {
        NODE_ENV: 'test',
        DATABASE_URL: TEST_DATABASE_URL,
        SSO_MIGRATE_ON_START: 'false',
        SSO_IDENTITY: TEST_IDENTITY,
        SSO_KEY_STORE_ROOT: keys,
        SSO_KEY_RESCAN_INTERVAL: '0',
        SSO_RATE_LIMIT_LOGIN: '0',
        SSO_RATE_LIMIT_AUTHORIZE: '0',
      },
    });
  });
  afterAll(() => app.close());

  it('should sign with a key added to the Secret, keep verifying the old one, and drop it once removed', async () => {
    const email = (await createUser(app)).email;
    const before = await login(app, email);
    expect(decodePart(before, 0).kid).toBe(old.kid);
    expect(await jwksKids()).toEqual([old.kid]);

    // Step 1: the Secret gets the new key, active now; the old one stays for its tokens.
    const next = await newKey(staging, null);
    writeSecretVolume(keys, { [old.name]: old.pem, [next.name]: next.pem });
    await waitFor(async () => (await jwksKids()).includes(next.kid), 'the new key in the JWKS');
    expect(decodePart(await login(app, email), 0).kid).toBe(next.kid);
    expect(decodePart(await authorize(app, before), 0).kid).toBe(next.kid);

    // Step 2: the old key leaves the Secret; its session tokens no longer verify.
    writeSecretVolume(keys, { [next.name]: next.pem });
    await waitFor(async () => !(await jwksKids()).includes(old.kid), 'the old key gone');
    await request(app.getHttpServer())
      .post('/authorize')
      .set('Authorization', `JWT ${before}`)
      .expect(401);
  });
});
