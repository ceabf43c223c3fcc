import { createHmac, generateKeyPairSync, KeyObject, randomUUID, sign } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, INestApplication, Param } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SignJWT } from 'jose';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CurrentAuth } from './decorators/current-auth.decorator';
import { Public } from './decorators/public.decorator';
import { RequireAccount } from './decorators/require-account.decorator';
import { RequireScopes } from './decorators/require-scopes.decorator';
import type { SsoAlgorithm } from './key-algorithms';
import type { SsoAuth } from './sso-auth';
import { SsoClientModule } from './sso-client.module';
import type { SsoClientOptions } from './sso-client.options';

const ISSUER = 'https://sso.test';
const SERVICE = 'orders';
const ACCOUNT = 'a38aae5a-f4e7-4ce9-9b28-868dee567d4b';

@Controller()
class OrdersController {
  @Get('whoami')
  whoami(@CurrentAuth() auth: SsoAuth) {
    return { ...auth, claims: undefined };
  }

  @Get('accounts/:account/orders')
  @RequireAccount('account')
  @RequireScopes('orders:read')
  orders(@Param('account') account: string) {
    return { account };
  }

  @Public()
  @Get('public')
  open() {
    return { ok: true };
  }
}

/** A key pair of each kind the identity server (or a DRF-SSO server) may sign with. */
const KEYS = {
  rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  rsa2: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  p256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  p384: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  p521: generateKeyPairSync('ec', { namedCurve: 'P-521' }),
  ed25519: generateKeyPairSync('ed25519'),
};
type KeyName = keyof typeof KEYS;
const KEY_OF: Record<SsoAlgorithm, KeyName> = {
  RS256: 'rsa',
  RS384: 'rsa',
  RS512: 'rsa',
  PS256: 'rsa',
  PS384: 'rsa',
  PS512: 'rsa',
  ES256: 'p256',
  ES384: 'p384',
  ES512: 'p521',
  EdDSA: 'ed25519',
};

const jwk = (name: KeyName, kid: string, alg?: string) => ({
  ...KEYS[name].publicKey.export({ format: 'jwk' }),
  kid,
  use: 'sig',
  ...(alg === undefined ? {} : { alg }),
});

/** The claims of a valid authorization token for ACCOUNT with `orders:read`. */
function claims(changes: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    token: 'auth',
    sid: randomUUID(),
    cid: '',
    uid: randomUUID(),
    email: 'alice@example.com',
    scopes: ['orders:read'],
    account: ACCOUNT,
    iss: ISSUER,
    aud: [ISSUER, SERVICE],
    iat: now,
    exp: now + 300,
    ...changes,
  };
}

/** Signs with jose (an implementation independent of the verifier's key choice). */
function token(
  alg: SsoAlgorithm,
  kid: string | undefined,
  changes: Record<string, unknown> = {},
  key: KeyObject = KEYS[KEY_OF[alg]].privateKey,
): Promise<string> {
  return new SignJWT(claims(changes))
    .setProtectedHeader({ alg, typ: 'JWT', ...(kid === undefined ? {} : { kid }) })
    .sign(key);
}

/** Any header, signed as RS256 or HS256 with node:crypto: for headers that lie about the key. */
function rawToken(header: object, body: object, signer: (input: Buffer) => Buffer): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part(header)}.${part(body)}`;
  return `${input}.${signer(Buffer.from(input)).toString('base64url')}`;
}

/** A JWKS endpoint whose keys, Cache-Control and availability the tests change. */
class JwksServer {
  keys: object[] = [];
  cacheControl = 'public, max-age=300';
  requests = 0;
  private server: Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((_, response) => {
      this.requests++;
      response
        .writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': this.cacheControl })
        .end(JSON.stringify({ keys: this.keys }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks.json`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server!.close(() => resolve()));
  }
}

async function serviceWith(
  jwks: JwksServer,
  options: Partial<SsoClientOptions> = {},
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      SsoClientModule.forRoot({
        identity: SERVICE,
        acceptedIssuers: [ISSUER],
        keys: { jwks: { [ISSUER]: jwks.url } },
        ...options,
      }),
    ],
    controllers: [OrdersController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

const get = (app: INestApplication, path: string, bearer?: string) => {
  const req = request(app.getHttpServer()).get(path);
  return bearer === undefined ? req : req.set('Authorization', `Bearer ${bearer}`);
};

describe('SsoAuthGuard', () => {
  describe('the error table of the README, row by row', () => {
    let jwks: JwksServer;
    let app: INestApplication;
    beforeAll(async () => {
      jwks = await new JwksServer().start();
      jwks.keys = [jwk('rsa', 'k1', 'RS256')];
      app = await serviceWith(jwks);
    });
    afterAll(async () => {
      await app.close();
      await jwks.stop();
    });

    const orders = `/accounts/${ACCOUNT}/orders`;
    const now = Math.floor(Date.now() / 1000);
    const hs256 = (body: object) =>
      rawToken({ alg: 'HS256', kid: 'k1' }, body, (input) =>
        createHmac('sha256', KEYS.rsa.publicKey.export({ type: 'spki', format: 'pem' }))
          .update(input)
          .digest(),
      );
    const rows: [
      string,
      () => Promise<string | undefined> | string | undefined,
      number,
      string,
      string?,
    ][] = [
      ['no token', () => undefined, 401, 'not_authenticated'],
      [
        'a bad signature',
        async () => (await token('RS256', 'k1')).slice(0, -4) + 'AAAA',
        401,
        'invalid_token',
        'The token signature is invalid',
      ],
      [
        'a token signed by another key under a known kid',
        () => token('RS256', 'k1', {}, KEYS.rsa2.privateKey),
        401,
        'invalid_token',
        'The token signature is invalid',
      ],
      [
        'an unknown kid',
        () => token('RS256', 'k9'),
        401,
        'invalid_token',
        'The token was signed with an unknown key',
      ],
      [
        'an issuer not accepted',
        () => token('RS256', 'k1', { iss: 'https://evil.test' }),
        401,
        'invalid_token',
        'The token issuer is not accepted',
      ],
      [
        'another audience',
        () => token('RS256', 'k1', { aud: ['billing'] }),
        401,
        'invalid_token',
        'The token is not meant for this service',
      ],
      [
        'a padded (not strict base64url) token',
        async () => (await token('RS256', 'k1')).replace('.', '=.'),
        401,
        'invalid_token',
        'The token is malformed: each part must be unpadded base64url (RFC 7515 section 2)',
      ],
      [
        'an HS256 token keyed with the public key',
        () => hs256(claims()),
        401,
        'invalid_token',
        'The token algorithm is not accepted',
      ],
      [
        'an authorization token without exp',
        () => token('RS256', 'k1', { exp: undefined }),
        401,
        'invalid_token',
        'The token\'s "exp" claim is missing (authorization tokens must expire)',
      ],
      [
        'an iat an hour ahead',
        () => token('RS256', 'k1', { iat: now + 3600, exp: now + 3900 }),
        401,
        'invalid_token',
        'The token\'s "iat" claim is in the future',
      ],
      [
        'a string iat',
        () => token('RS256', 'k1', { iat: String(now) }),
        401,
        'invalid_token',
        'The token\'s "iat" claim must be a number of seconds',
      ],
      [
        'an nbf in the future',
        () => token('RS256', 'k1', { nbf: now + 600 }),
        401,
        'invalid_token',
        'The token is not valid yet (its "nbf" time is in the future)',
      ],
      [
        'scopes as a string',
        () => token('RS256', 'k1', { scopes: 'orders:read' }),
        401,
        'invalid_token',
        'The token\'s "scopes" claim must be an array of strings',
      ],
      [
        'an expired token',
        () => token('RS256', 'k1', { iat: now - 600, exp: now - 300 }),
        401,
        'token_expired',
        'The token has expired',
      ],
      [
        'a session token addressed to the service',
        () => token('RS256', 'k1', { token: 'session', exp: undefined, scopes: undefined }),
        401,
        'wrong_token_type',
        'An authorization token is required here',
      ],
      [
        'a session token addressed to the identity server only',
        () => token('RS256', 'k1', { token: 'session', aud: [ISSUER], exp: undefined }),
        401,
        'wrong_token_type',
        'An authorization token is required here',
      ],
      [
        'a token for another account',
        () => token('RS256', 'k1', { account: randomUUID() }),
        403,
        'wrong_account',
      ],
      [
        'a token for no account, without the scope either',
        () => token('RS256', 'k1', { account: undefined, scopes: [] }),
        403,
        'wrong_account',
        'The token was issued for no account; ask for one issued for this account',
      ],
      [
        'a token for the account without the scope',
        () => token('RS256', 'k1', { scopes: ['orders:write'] }),
        403,
        'insufficient_scope',
        'This action needs the scope orders:read',
      ],
    ];

    it.each(rows)('should answer %s with %i %s', async (_, make, status, code, message) => {
      const response = await get(app, orders, await make());
      expect(response.status).toBe(status);
      expect(response.body).toEqual({
        statusCode: status,
        code,
        message: message ?? expect.any(String),
      });
      expect(response.headers['www-authenticate']).toBe(
        status === 401 ? 'JWT realm="api"' : undefined,
      );
    });

    it('should answer a token in another scheme with 401 not_authenticated', async () => {
      const response = await request(app.getHttpServer())
        .get(orders)
        .set('Authorization', `Basic ${await token('RS256', 'k1')}`);
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('not_authenticated');
    });

    it('should serve a valid token, and a public route without one', async () => {
      await get(app, orders, await token('RS256', 'k1')).expect(200, { account: ACCOUNT });
      await get(app, '/public').expect(200);
    });

    it('should answer 503 service_unavailable with Retry-After when no key could be fetched at all', async () => {
      const down = await new JwksServer().start();
      await down.stop();
      const unreachable = await serviceWith(down);
      try {
        const response = await get(unreachable, orders, await token('RS256', 'k1'));
        expect(response.status).toBe(503);
        expect(response.body).toEqual({
          statusCode: 503,
          code: 'service_unavailable',
          message: 'The keys of the token issuer cannot be fetched now; retry later',
        });
        expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(29);
        expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(30);
        expect(response.headers['www-authenticate']).toBeUndefined();
      } finally {
        await unreachable.close();
      }
    });
  });

  describe('algorithms', () => {
    let jwks: JwksServer;
    beforeEach(async () => {
      jwks = await new JwksServer().start();
    });
    afterEach(() => jwks.stop());

    it('should accept, at its default options, every algorithm a nest-sso server signs with', async () => {
      const algorithms: SsoAlgorithm[] = [
        'RS256',
        'RS384',
        'RS512',
        'PS256',
        'PS384',
        'PS512',
        'ES256',
        'EdDSA',
      ];
      jwks.keys = algorithms.map((alg) => jwk(KEY_OF[alg], alg, alg));
      const app = await serviceWith(jwks);
      try {
        for (const alg of algorithms) {
          const response = await get(app, '/whoami', await token(alg, alg));
          expect([alg, response.status]).toEqual([alg, 200]);
        }
      } finally {
        await app.close();
      }
    });

    it('should accept ES384 and ES512 only when listed', async () => {
      jwks.keys = [jwk('p384', 'e384', 'ES384'), jwk('p521', 'e521', 'ES512')];
      const strict = await serviceWith(jwks);
      const listing = await serviceWith(jwks, { algorithms: ['ES384', 'ES512'] });
      try {
        for (const [alg, kid] of [
          ['ES384', 'e384'],
          ['ES512', 'e521'],
        ] as const) {
          const signed = await token(alg, kid);
          const refused = await get(strict, '/whoami', signed).expect(401);
          expect(refused.body.message).toBe('The token algorithm is not accepted');
          await get(listing, '/whoami', signed).expect(200);
        }
      } finally {
        await strict.close();
        await listing.close();
      }
    });

    it('should take the key type from the JWK when it names no alg, and never accept an algorithm that does not fit it', async () => {
      jwks.keys = [jwk('rsa', 'r'), jwk('p256', 'e'), jwk('ed25519', 'o')];
      const app = await serviceWith(jwks);
      try {
        await get(app, '/whoami', await token('PS384', 'r')).expect(200);
        await get(app, '/whoami', await token('ES256', 'e')).expect(200);
        await get(app, '/whoami', await token('EdDSA', 'o')).expect(200);
        // An attacker's EC signature that names the RSA key, and the reverse.
        for (const forged of [
          await token('ES256', 'r'),
          await token('RS256', 'e'),
          await token('EdDSA', 'e'),
          rawToken({ alg: 'ES256', kid: 'r' }, claims(), (input) =>
            sign('sha256', input, KEYS.rsa.privateKey),
          ),
        ]) {
          const response = await get(app, '/whoami', forged).expect(401);
          expect(response.body.message).toBe('The token algorithm is not accepted');
        }
      } finally {
        await app.close();
      }
    });

    it('should hold a key to the JWK "alg" it is published with', async () => {
      jwks.keys = [jwk('rsa', 'k', 'RS256')];
      const app = await serviceWith(jwks);
      try {
        const response = await get(app, '/whoami', await token('PS256', 'k')).expect(401);
        expect(response.body.message).toBe('The token algorithm is not accepted');
      } finally {
        await app.close();
      }
    });

    it('should pick, among keys sharing a kid, the one that fits the token algorithm and signature', async () => {
      jwks.keys = [
        jwk('rsa', 'shared', 'RS256'),
        jwk('p256', 'shared', 'ES256'),
        jwk('rsa2', 'shared', 'RS256'),
      ];
      const app = await serviceWith(jwks);
      try {
        await get(app, '/whoami', await token('RS256', 'shared')).expect(200);
        await get(app, '/whoami', await token('ES256', 'shared')).expect(200);
        await get(app, '/whoami', await token('RS256', 'shared', {}, KEYS.rsa2.privateKey)).expect(
          200,
        );
        const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
        await get(app, '/whoami', await token('RS256', 'shared', {}, other)).expect(401);
      } finally {
        await app.close();
      }
    });

    it('should verify a token without a kid with the first key that fits its algorithm', async () => {
      jwks.keys = [jwk('ed25519', 'o', 'EdDSA'), jwk('rsa', 'r', 'RS256')];
      const app = await serviceWith(jwks);
      try {
        await get(app, '/whoami', await token('RS256', undefined)).expect(200);
      } finally {
        await app.close();
      }
    });

    it('should refuse an algorithm it does not support at start-up, naming the option', async () => {
      await expect(serviceWith(jwks, { algorithms: ['HS256' as SsoAlgorithm] })).rejects.toThrow(
        '"algorithms" must list algorithms among RS256',
      );
    });
  });

  describe('JWKS fetches', () => {
    let jwks: JwksServer;
    let app: INestApplication;
    beforeEach(async () => {
      jwks = await new JwksServer().start();
      jwks.keys = [jwk('rsa', 'k1', 'RS256')];
      jwks.cacheControl = 'public, max-age=0';
      app = await serviceWith(jwks);
    });
    afterEach(async () => {
      await app.close();
      await jwks.stop();
    });

    it('should fetch the JWKS once for a burst of valid, forged and unknown-kid tokens, even with max-age=0', async () => {
      await get(app, '/whoami', await token('RS256', 'k1')).expect(200);
      const forger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      for (let i = 0; i < 10; i++) {
        await get(app, '/whoami', await token('RS256', 'k1', {}, forger)).expect(401);
        await get(app, '/whoami', await token('RS256', `forged-${i}`)).expect(401);
        await get(app, '/whoami', await token('RS256', 'k1')).expect(200);
      }
      expect(jwks.requests).toBe(1);
    });
  });

  describe('identifiers', () => {
    let jwks: JwksServer;
    let app: INestApplication;
    beforeAll(async () => {
      jwks = await new JwksServer().start();
      jwks.keys = [jwk('rsa', 'k1', 'RS256')];
      app = await serviceWith(jwks);
    });
    afterAll(async () => {
      await app.close();
      await jwks.stop();
    });

    it('should compare account ids in canonical form, whatever the case of the URL or the token', async () => {
      const lower = await token('RS256', 'k1');
      const upper = await token('RS256', 'k1', { account: ACCOUNT.toUpperCase() });
      await get(app, `/accounts/${ACCOUNT.toUpperCase()}/orders`, lower).expect(200);
      await get(app, `/accounts/${ACCOUNT}/orders`, upper).expect(200);
      const whoami = await get(app, '/whoami', upper).expect(200);
      expect(whoami.body.account).toBe(ACCOUNT);
      const byName = await get(app, '/accounts/acme/orders', lower).expect(403);
      expect(byName.body.code).toBe('wrong_account');
    });

    it('should keep a numeric uid (a DRF-SSO Django id) a number', async () => {
      const response = await get(app, '/whoami', await token('RS256', 'k1', { uid: 42 })).expect(
        200,
      );
      expect(response.body).toMatchObject({ uid: 42, account: ACCOUNT, scopes: ['orders:read'] });
    });
  });
});
