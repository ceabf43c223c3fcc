import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliContext, runCli } from '@nest-sso/cli';
import { KeyStore } from '@nest-sso/keys';
import { ExampleAppModule } from '../apps/example-service/src/app.module';
import { exampleConfig } from '../apps/example-service/src/example-config';
import { createAccountWithMember, createUser } from './support/factories';
import { decodePart, login } from './support/http';
import { startTestApp, TEST_IDENTITY, TestApp, useKeysJson } from './support/test-app';
import { waitFor } from './support/wait-for';

const SERVICE = 'orders';
/** The identity server's JWKS max-age, at its floor, and how long before it signs a key is published. */
const JWKS_MAX_AGE = 30;
const PUBLISH_AHEAD = 40;

const url = (app: INestApplication) =>
  `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;

/**
 * The rotation runbook on a live pair: the identity server rotates its key RS256 → ES256 → EdDSA
 * → RS256 while clients keep fetching authorization tokens and calling the example service, which
 * runs at its default options (no `algorithms`, the default refetch cooldown). Not one request may
 * fail, and tokens of every key keep verifying until their key leaves the JWKS.
 *
 * The runbook's commands run as the CLI runs them (`runCli`: argument parsing, defaults, output),
 * in this process rather than through `npm run cli` (which builds first), on the server's store.
 */
describe('Key rotation across algorithms, seen by a service using @nest-sso/sso-client', () => {
  let sso: TestApp;
  let orders: INestApplication;
  let accountId: string;
  let sessions: string[];

  beforeAll(async () => {
    sso = await startTestApp({
      env: {
        SSO_AUTHORIZATION_AUDIENCE: `${TEST_IDENTITY},${SERVICE}`,
        SSO_AUTHORIZATION_EXPIRATION: '900',
        SSO_JWKS_MAX_AGE: String(JWKS_MAX_AGE),
        SSO_KEY_PUBLISH_AHEAD: String(PUBLISH_AHEAD),
      },
      keys: (dir) => useKeysJson(dir, ['sso-test-20260101.pem']),
    });
    await sso.app.listen(0, '127.0.0.1');
    // The example service exactly as main.ts configures it, from its environment alone.
    const config = exampleConfig({
      SSO_ISSUER: TEST_IDENTITY,
      SSO_CLIENT_IDENTITY: SERVICE,
      SSO_JWKS_URL: `${url(sso.app)}/.well-known/jwks.json`,
    });
    orders = await NestFactory.create(ExampleAppModule.forRoot(config.sso), { logger: ['error'] });
    await orders.listen(0, '127.0.0.1');

    const user = await createUser(sso.app);
    accountId = (await createAccountWithMember(sso.app, user, ['orders:read'])).id;
    sessions = [await login(sso.app, user.email), await login(sso.app, user.email)];
  });
  afterAll(async () => {
    await orders.close();
    await sso.close();
  });

  /** `POST /authorize` for the test account, through HTTP. */
  async function authorize(session: string): Promise<{ status: number; token?: string }> {
    const response = await fetch(`${url(sso.app)}/authorize`, {
      method: 'POST',
      headers: { Authorization: `JWT ${session}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ account: accountId }),
    });
    const body = (await response.json()) as { token?: string };
    return { status: response.status, token: body.token };
  }

  const callOrders = async (token: string) => {
    const response = await fetch(`${url(orders)}/accounts/${accountId}/orders`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  /** One runbook command, e.g. `keys:generate --alg ES256`; its standard output. */
  async function cli(...argv: string[]): Promise<string> {
    let out = '';
    let err = '';
    const env = {
      NODE_ENV: 'test',
      SSO_IDENTITY: TEST_IDENTITY,
      SSO_KEY_STORE_ROOT: sso.keyDir,
      SSO_JWKS_MAX_AGE: String(JWKS_MAX_AGE),
      SSO_KEY_PUBLISH_AHEAD: String(PUBLISH_AHEAD),
    };
    const code = await runCli(argv, createCliContext(env), {
      out: (text) => (out += text),
      err: (text) => (err += text),
    });
    if (code !== 0) throw new Error(`${argv.join(' ')} failed: ${err}`);
    return out;
  }

  /** The state `keys:list` prints for `kid`: pending, active or retired. */
  const stateOf = async (kid: string) =>
    (
      JSON.parse(await cli('keys:list', '--json')) as { keys: { kid: string; state: string }[] }
    ).keys.find((key) => key.kid === kid)?.state;

  it(
    'should fail no request while the key rotates RS256 → ES256 → EdDSA → RS256, and keep old tokens verifying until their key is removed',
    async () => {
      const keyStore = sso.app.get(KeyStore);
      const failures: string[] = [];
      const served = new Map<string, number>(); // alg → requests served with tokens of that alg
      /** One token per key, minted while that key signed: replayed all along. */
      const tokensByKid = new Map<string, string>();
      let stop = false;

      const record = (token: string, status: number, body: unknown) => {
        const { alg, kid } = decodePart(token, 0) as { alg: string; kid: string };
        if (status !== 200) failures.push(`${alg} ${kid}: ${status} ${JSON.stringify(body)}`);
        else served.set(alg, (served.get(alg) ?? 0) + 1);
      };
      // Fresh tokens: each is new to the service, so each is verified in full.
      const fresh = async (session: string) => {
        while (!stop) {
          const issued = await authorize(session);
          if (issued.status !== 200 || !issued.token) {
            failures.push(`authorize: ${issued.status}`);
            continue;
          }
          const { kid } = decodePart(issued.token, 0) as { kid: string };
          if (!tokensByKid.has(kid)) tokensByKid.set(kid, issued.token);
          const { status, body } = await callOrders(issued.token);
          record(issued.token, status, body);
        }
      };
      // Old tokens of every key seen so far, as clients reuse them for their lifetime.
      const replay = async () => {
        while (!stop) {
          for (const token of [...tokensByKid.values()]) {
            const { status, body } = await callOrders(token);
            record(token, status, body);
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      const workers = [...sessions, ...sessions].map(fresh).concat([replay()]);

      const kids = [sso.key.kid];
      for (const kind of ['ES256', 'EdDSA', 'RS256']) {
        // 1. Create the successor: published at once, signing after SSO_KEY_PUBLISH_AHEAD.
        const generated = await cli('keys:generate', '--alg', kind);
        const kid = /\(kid (\S+), /.exec(generated)![1];
        expect(generated).toContain('activates at');
        // The algorithm changes at every step, and the CLI says what verifiers need.
        expect(generated).toContain(`Warning: the new key signs with ${kind}`);
        await waitFor(
          () => keyStore.current.keysOf(TEST_IDENTITY).some((k) => k.kid === kid),
          `the ${kind} key to be published`,
        );
        expect(await stateOf(kid)).toBe('pending');
        expect(await stateOf(kids.at(-1)!)).toBe('active');
        // 2. After the activation time, new tokens carry the new kid.
        await waitFor(
          () => tokensByKid.has(kid),
          `tokens of the ${kind} key`,
          (PUBLISH_AHEAD + 15) * 1000,
        );
        expect(await stateOf(kid)).toBe('active');
        // 3. Destroy the old private key; its public key stays, so its tokens keep verifying.
        expect(await cli('keys:retire', '--kid', kids.at(-1)!)).toContain('Retired');
        kids.push(kid);
      }
      // A last round of replays after the last retirement.
      const replayed = served.get('RS256') ?? 0;
      await waitFor(() => (served.get('RS256') ?? 0) > replayed + 20, 'more requests');
      stop = true;
      await Promise.all(workers);

      expect(failures).toEqual([]);
      expect([...tokensByKid.keys()]).toEqual(kids);
      expect(tokensByKid.size).toBe(4);
      for (const alg of ['RS256', 'ES256', 'EdDSA']) expect(served.get(alg)).toBeGreaterThan(20);

      // 4. rm keys/<old kid>.pem: only then do the first key's tokens stop verifying (once the
      // service's JWKS copy, at most max-age old, is refreshed); the retired keys' tokens still do.
      const [first, ...others] = kids;
      useKeysJson(
        sso.keyDir,
        [...others].reverse().map((kid) => `${kid}.pem`),
      );
      rmSync(join(sso.keyDir, `${first}.pem`));
      await waitFor(
        async () => (await callOrders(tokensByKid.get(first)!)).status === 401,
        'the removed key to leave the service',
        (JWKS_MAX_AGE + 10) * 1000,
      );
      const refused = await callOrders(tokensByKid.get(first)!);
      expect(refused.body).toEqual({
        statusCode: 401,
        code: 'invalid_token',
        message: 'The token was signed with an unknown key',
      });
      for (const kid of others) expect((await callOrders(tokensByKid.get(kid)!)).status).toBe(200);
    },
    (3 * (PUBLISH_AHEAD + 15) + JWKS_MAX_AGE + 60) * 1000,
  );
});
