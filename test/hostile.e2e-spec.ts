import { createHmac, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ClientAdminUseCase } from '@nest-sso/admin';
import { Actors } from '@nest-sso/audit';
import { ConsentsService } from '@nest-sso/oidc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountWithMember, createUser, TEST_PASSWORD } from './support/factories';
import { forgeToken, rawToken, sessionClaims, signRaw } from './support/forge';
import { adminCredential, authorize, decodePart, login } from './support/http';
import { startTestApp, TEST_IDENTITY, TestApp } from './support/test-app';

/** One hostile request and the answer the API documents for it. */
interface Case {
  name: string;
  method?: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
  path: string;
  /** The Authorization header, or a function of the fixtures giving it. */
  auth?: (f: Fixtures) => string | Promise<string>;
  /** A JSON-able body (made per request, from the fixtures), or a raw body sent with `contentType`. */
  body?: (f: Fixtures) => unknown;
  raw?: Buffer | string;
  contentType?: string;
  status: number;
  code: string;
}

interface Fixtures {
  session: string;
  /** The admin API credential of an administrator. */
  admin: string;
  /** A user the admin cases aim at, and a login name taken by another user. */
  targetId: string;
  takenEmail: string;
  takenUsername: string;
  accountName: string;
  /** A client the target user (not the caller) has consented to. */
  clientId: string;
  authToken: string;
  otherSid: string;
  uid: string;
  sid: string;
  key: TestApp['key'];
  publicPem: string;
}

const jwt = (token: string) => `JWT ${token}`;
const hs256 = (secret: string, claims: object, header: object = {}) => {
  const unsigned = rawToken({ alg: 'HS256', typ: 'JWT', ...header }, claims).slice(0, -1);
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
};
const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
const now = () => Math.floor(Date.now() / 1000);
const claims = (f: Fixtures, extra: object = {}) => ({
  ...sessionClaims(TEST_IDENTITY, f.uid, f.sid),
  ...extra,
});
const signed = (f: Fixtures, extra: object = {}, header: object = {}) =>
  forgeToken(f.key.privateKey, claims(f, extra), { kid: f.key.kid, ...header });
/** A validly signed token whose header and claims are spelled exactly as given (RS256). */
const signedText = (f: Fixtures, header: string, payload: string) => {
  const input = `${header}.${payload}`;
  return `${input}.${sign('sha256', Buffer.from(input), f.key.privateKey).toString('base64url')}`;
};
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** Base64url with `=` padding: claims padded to a length that needs it. */
const padded = (value: object): string => {
  for (let pad = ''; ; pad += ' ') {
    const text = Buffer.from(JSON.stringify(value) + pad).toString('base64url');
    if (text.length % 4 !== 0) return text + '='.repeat(4 - (text.length % 4));
  }
};
/**
 * The same token with the last character of its signature re-spelled: the unused low bits differ,
 * the bytes do not, so a lenient base64url decoder sees the same signature.
 */
const respelled = (token: string): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const index = alphabet.indexOf(token.at(-1)!);
  const spare = 2 ** [0, 0, 4, 2][(token.length - token.lastIndexOf('.') - 1) % 4];
  return token.slice(0, -1) + alphabet[index - (index % spare) + ((index + 1) % spare)];
};
const login_ =
  (extra: object = {}) =>
  () => ({
    username: `hostile-${randomUUID()}@example.com`,
    password: 'x',
    ...extra,
  });

/** Routes that need a session token: every token attack is tried on each of them. */
const SESSION_ROUTES: Pick<Case, 'method' | 'path'>[] = [
  { method: 'POST', path: '/authorize' },
  { method: 'GET', path: '/me' },
  { method: 'GET', path: '/sessions' },
  { method: 'DELETE', path: `/sessions/${randomUUID()}` },
  { method: 'GET', path: '/consents' },
  { method: 'DELETE', path: `/consents/${randomUUID()}` },
];

const TOKEN_ATTACKS: Omit<Case, 'method' | 'path'>[] = [
  {
    name: 'alg none',
    auth: (f) => jwt(rawToken({ alg: 'none', typ: 'JWT' }, claims(f))),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'alg None, kid of a real key',
    auth: (f) => jwt(rawToken({ alg: 'None', kid: f.key.kid }, claims(f))),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'HS256 signed with the RSA public key (algorithm confusion)',
    auth: (f) => jwt(hs256(f.publicPem, claims(f), { kid: f.key.kid })),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'kid with ../',
    auth: (f) => signed(f, {}, { kid: '../../../etc/passwd' }).then(jwt),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'kid with SQL',
    auth: (f) => signed(f, {}, { kid: "x' OR '1'='1'; DROP TABLE sessions; --" }).then(jwt),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'kid of 10 kB',
    auth: (f) => signed(f, {}, { kid: 'k'.repeat(10_000) }).then(jwt),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'a non-UUID sid',
    auth: (f) => signed(f, { sid: "1' OR '1'='1" }).then(jwt),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'a non-UUID uid',
    auth: (f) => signed(f, { uid: "1' OR '1'='1" }).then(jwt),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: "another user's sid",
    auth: (f) => signed(f, { sid: f.otherSid }).then(jwt),
    status: 401,
    code: 'session_revoked',
  },
  {
    name: 'a future iat',
    auth: (f) => signed(f, { iat: now() + 3600 }).then(jwt),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'a future nbf',
    auth: (f) => signed(f, { nbf: now() + 3600 }).then(jwt),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'an expired session token',
    auth: (f) => signed(f, { exp: now() - 10 }).then(jwt),
    status: 401,
    code: 'token_expired',
  },
  {
    name: 'another issuer, its own key',
    auth: (f) =>
      forgeToken(
        attacker.privateKey,
        { ...claims(f), iss: 'https://evil.test' },
        { kid: f.key.kid },
      ).then(jwt),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'another issuer, signed with our key',
    auth: (f) => signed(f, { iss: 'https://evil.test' }).then(jwt),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'another audience',
    auth: (f) => signed(f, { aud: ['someone-else'] }).then(jwt),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: "an attacker's key with our kid",
    auth: (f) => forgeToken(attacker.privateKey, claims(f), { kid: f.key.kid }).then(jwt),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'an embedded jwk header with the attacker key',
    auth: (f) =>
      forgeToken(attacker.privateKey, claims(f), {
        kid: 'x',
        jwk: attacker.publicKey.export({ format: 'jwk' }),
      }).then(jwt),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'a jku header pointing elsewhere',
    auth: (f) =>
      forgeToken(attacker.privateKey, claims(f), {
        kid: 'x',
        jku: 'https://evil.test/jwks.json',
      }).then(jwt),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'an unknown crit header',
    auth: (f) =>
      jwt(
        signRaw(f.key.privateKey, { kid: f.key.kid, crit: ['exp-ext'], 'exp-ext': 1 }, claims(f)),
      ),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'an authorization token where a session token is needed',
    auth: (f) => jwt(f.authToken),
    status: 401,
    code: 'wrong_token_type',
  },
  {
    name: 'a tampered payload',
    auth: (f) => {
      const [h, , s] = f.session.split('.');
      return jwt(
        `${h}.${Buffer.from(JSON.stringify({ ...decodePart(f.session, 1), uid: randomUUID() })).toString('base64url')}.${s}`,
      );
    },
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'a token of 100 kB',
    auth: (f) => signed(f, { pad: 'p'.repeat(100_000) }).then(jwt),
    status: 431,
    code: 'headers_too_large',
  },
  {
    name: 'a padded claims segment (not strict base64url)',
    auth: (f) => jwt(signedText(f, b64url({ alg: 'RS256', kid: f.key.kid }), padded(claims(f)))),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'a claims segment in the standard base64 alphabet',
    auth: (f) =>
      jwt(
        signedText(
          f,
          b64url({ alg: 'RS256', kid: f.key.kid }),
          Buffer.from(JSON.stringify(claims(f, { pad: '>>>???' }))).toString('base64'),
        ),
      ),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'a real token with its signature re-spelled (stray base64url bits)',
    auth: (f) => jwt(respelled(f.session)),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'no iat',
    auth: (f) => signed(f, { iat: undefined }).then(jwt),
    status: 401,
    code: 'invalid_token',
  },
  {
    // Numeric uids are those of users imported from DRF-SSO; this session's user has none.
    name: "a numeric uid that is not the session user's",
    auth: (f) => signed(f, { uid: 42 }).then(jwt),
    status: 401,
    code: 'session_revoked',
  },
  {
    name: 'a fractional uid on a session token',
    auth: (f) => signed(f, { uid: 4.2 }).then(jwt),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'garbage instead of a token',
    auth: () => 'JWT not.a.token',
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'four segments',
    auth: (f) => jwt(`${f.session}.extra`),
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'the Basic scheme',
    auth: () => 'Basic YWRtaW46YWRtaW4=',
    status: 401,
    code: 'not_authenticated',
  },
];

const admin = (f: Fixtures) => `Bearer ${f.admin}`;
const PAGING: [string, string][] = [
  ['limit=0', 'limit is 0'],
  ['limit=501', 'limit is 501'],
  ['limit=abc', 'limit is not a number'],
  ['limit=1.5', 'limit is a fraction'],
  ['limit=-1', 'limit is negative'],
  ['limit=1e9', 'limit is 10⁹'],
  ['limit=1&limit=2', 'limit is repeated'],
  ['limit[]=1', 'limit is an array'],
  ['offset=-1', 'offset is negative'],
  ['offset=1e20', 'offset is 10²⁰ (beyond PostgreSQL bigint)'],
  ['offset=99999999999999999999999', 'offset of 23 digits'],
  ['offset=Infinity', 'offset is Infinity'],
  ['offset=0x10', 'offset is hexadecimal text'],
];

/** The admin API, every writable field: values a careful client never sends. */
const ADMIN_CASES: Case[] = [
  // POST /admin/users
  ...(
    [
      ['email is null', { email: null }, 400, 'validation_failed'],
      ['email is not an email', { email: 'not-an-email' }, 400, 'validation_failed'],
      [
        'email of 14 U+FDFA (252 characters after NFKC)',
        { email: `${'\uFDFA'.repeat(14)}@example.com` },
        400,
        'validation_failed',
      ],
      ['email is a number', { email: 42 }, 400, 'validation_failed'],
      ['password is null', { password: null }, 400, 'validation_failed'],
      ['password of 7 characters', { password: 'short12' }, 400, 'validation_failed'],
      ['password of 1025 characters', { password: 'p'.repeat(1025) }, 400, 'validation_failed'],
      [
        'password of 600 U+0958 (1200 after NFC)',
        { password: '\u0958'.repeat(600) },
        400,
        'validation_failed',
      ],
      ['username is null', { username: null }, 400, 'validation_failed'],
      [
        'username of ten U+FDFA (180 characters after NFKC)',
        { username: '\uFDFA'.repeat(10) },
        400,
        'validation_failed',
      ],
      ['username with a space', { username: 'bad name' }, 400, 'validation_failed'],
      ['username with a slash', { username: 'a/b' }, 400, 'validation_failed'],
      [
        'username of 150 letters and a variation selector',
        { username: `${'u'.repeat(150)}\uFE0F` },
        400,
        'validation_failed',
      ],
      ['username of 151 characters', { username: 'u'.repeat(151) }, 400, 'validation_failed'],
      ['username is empty', { username: '' }, 400, 'validation_failed'],
      ['permissions is null', { permissions: null }, 400, 'validation_failed'],
      ['permissions is a string', { permissions: 'sso:admin' }, 400, 'validation_failed'],
      ['permissions hold null', { permissions: [null] }, 400, 'validation_failed'],
      ['a permission with a space', { permissions: ['a b'] }, 400, 'validation_failed'],
      [
        '101 permissions',
        { permissions: Array.from({ length: 101 }, (_, i) => `p${i}`) },
        400,
        'validation_failed',
      ],
      ['an unknown field', { is_superuser: true }, 400, 'validation_failed'],
    ] as const
  ).map(([name, fields, status, code]): Case => ({
    name: `admin create user: ${name}`,
    path: '/admin/users',
    auth: admin,
    body: () => ({
      email: `hostile-${randomUUID()}@example.com`,
      password: 'a long enough password',
      ...fields,
    }),
    status,
    code,
  })),
  // One namespace of login names
  {
    name: "admin create user: email that is another user's username",
    path: '/admin/users',
    auth: admin,
    body: (f) => ({ email: f.takenUsername, password: 'a long enough password' }),
    status: 409,
    code: 'conflict',
  },
  {
    name: "admin create user: username that is another user's email",
    path: '/admin/users',
    auth: admin,
    body: (f) => ({
      email: `hostile-${randomUUID()}@example.com`,
      username: f.takenEmail.toUpperCase(),
      password: 'a long enough password',
    }),
    status: 409,
    code: 'conflict',
  },
  {
    name: "admin update user: username that is another user's email",
    method: 'PATCH',
    path: '/admin/users/TARGET',
    auth: admin,
    body: (f) => ({ username: f.takenEmail }),
    status: 409,
    code: 'conflict',
  },
  {
    name: "admin update user: email that is another user's username",
    method: 'PATCH',
    path: '/admin/users/TARGET',
    auth: admin,
    body: (f) => ({ email: f.takenUsername }),
    status: 409,
    code: 'conflict',
  },
  // PATCH /admin/users/:id
  ...(
    [
      ['email is null', { email: null }, 400, 'validation_failed'],
      ['username is null', { username: null }, 400, 'validation_failed'],
      ['permissions is null', { permissions: null }, 400, 'validation_failed'],
      ['is_active is null', { is_active: null }, 400, 'validation_failed'],
      ['is_active is "false"', { is_active: 'false' }, 400, 'validation_failed'],
      ['email is not an email', { email: 'nope' }, 400, 'validation_failed'],
      ['username of ten U+FDFA', { username: '\uFDFA'.repeat(10) }, 400, 'validation_failed'],
      ['username with a quote', { username: "o'brien" }, 400, 'validation_failed'],
      [
        'a permission of 101 characters',
        { permissions: ['p'.repeat(101)] },
        400,
        'validation_failed',
      ],
      ['password in the body', { password: 'a long enough password' }, 400, 'validation_failed'],
    ] as const
  ).map(([name, body, status, code]): Case => ({
    name: `admin update user: ${name}`,
    method: 'PATCH',
    path: '/admin/users/TARGET',
    auth: admin,
    body: () => body,
    status,
    code,
  })),
  {
    name: 'admin update user: an id of 10 kB',
    method: 'PATCH',
    path: `/admin/users/${'a'.repeat(10_000)}`,
    auth: admin,
    body: () => ({ permissions: [] }),
    status: 414,
    code: 'uri_too_long',
  },
  {
    name: 'admin update user: SQL as the id',
    method: 'PATCH',
    path: `/admin/users/${encodeURIComponent("' OR '1'='1")}`,
    auth: admin,
    body: () => ({ permissions: [] }),
    status: 404,
    code: 'not_found',
  },
  // POST /admin/users/:id/password
  ...(
    [
      ['password is null', { password: null }],
      ['password of 7 characters', { password: 'short12' }],
      ['password of 1025 characters', { password: 'p'.repeat(1025) }],
      ['password of 600 U+0958', { password: '\u0958'.repeat(600) }],
      ['password is a number', { password: 123456789 }],
      ['no password', {}],
    ] as const
  ).map(([name, body]): Case => ({
    name: `admin set password: ${name}`,
    path: '/admin/users/TARGET/password',
    auth: admin,
    body: () => body,
    status: 400,
    code: 'validation_failed',
  })),
  // POST /admin/accounts
  ...(
    [
      ['name is null', { name: null }],
      ['name is empty', { name: '' }],
      ['name of 101 characters', { name: 'n'.repeat(101) }],
      [
        'name of 100 letters and 5 variation selectors (105 as stored)',
        { name: `${'n'.repeat(100)}${'\uFE0F'.repeat(5)}` },
      ],
      ['name of 101 emoji', { name: '🙂'.repeat(101) }],
      ['name with a control character', { name: 'acme\u0007' }],
      ['name is a number', { name: 7 }],
    ] as const
  ).map(([name, body]): Case => ({
    name: `admin create account: ${name}`,
    path: '/admin/accounts',
    auth: admin,
    body: () => body,
    status: 400,
    code: 'validation_failed',
  })),
  // PUT /admin/accounts/:account/members/:userId
  ...(
    [
      ['permissions is null', { permissions: null }],
      ['no permissions', {}],
      ['a permission with a space', { permissions: ['a b'] }],
      ['permissions hold a number', { permissions: [1] }],
    ] as const
  ).map(([name, body]): Case => ({
    name: `admin set membership: ${name}`,
    method: 'PUT',
    path: '/admin/accounts/ACCOUNT/members/TARGET',
    auth: admin,
    body: () => body,
    status: 400,
    code: 'validation_failed',
  })),
  {
    name: 'admin set membership: an account name of 10 kB',
    method: 'PUT',
    path: `/admin/accounts/${'a'.repeat(10_000)}/members/TARGET`,
    auth: admin,
    body: () => ({ permissions: [] }),
    status: 414,
    code: 'uri_too_long',
  },
  {
    name: 'admin set membership: a user id that is not a UUID',
    method: 'PUT',
    path: '/admin/accounts/ACCOUNT/members/nobody',
    auth: admin,
    body: () => ({ permissions: [] }),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'admin set membership: an unknown user',
    method: 'PUT',
    path: `/admin/accounts/ACCOUNT/members/${randomUUID()}`,
    auth: admin,
    body: () => ({ permissions: [] }),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'admin end session: an id of 10 kB',
    method: 'DELETE',
    path: `/admin/sessions/${'a'.repeat(10_000)}`,
    auth: admin,
    status: 414,
    code: 'uri_too_long',
  },
  // Paging of every listing
  ...PAGING.flatMap(([query, name]) =>
    ['/admin/users', '/admin/users/TARGET/sessions', '/sessions'].map((path): Case => ({
      name: `paging ${path}: ${name}`,
      method: 'GET',
      path: `${path}?${query}`,
      auth: path === '/sessions' ? (f) => jwt(f.session) : admin,
      status: 400,
      code: 'validation_failed',
    })),
  ),
];

const CASES: Case[] = [
  ...SESSION_ROUTES.flatMap((route) =>
    TOKEN_ATTACKS.map((attack) => ({
      ...attack,
      ...route,
      name: `${route.method} ${route.path.replace(/[0-9a-f-]{36}/, ':id')}: ${attack.name}`,
    })),
  ),
  // POST /session bodies
  {
    name: 'login: username is a number',
    path: '/session',
    body: login_({ username: 42 }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login: username is an array',
    path: '/session',
    body: login_({ username: ['a', 'b'] }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login: username is an object',
    path: '/session',
    body: login_({ username: { $ne: null } }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login: password is null',
    path: '/session',
    body: login_({ password: null }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login: password is true',
    path: '/session',
    body: login_({ password: true }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login: empty body',
    path: '/session',
    body: () => ({}),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login: username of 255 characters',
    path: '/session',
    body: login_({ username: `${'u'.repeat(243)}@example.com` }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login: client_id of 101 characters',
    path: '/session',
    body: login_({ client_id: 'c'.repeat(101) }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login: client_id is a number',
    path: '/session',
    body: login_({ client_id: 7 }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login: a __proto__ key',
    path: '/session',
    raw: `{"username":"h-${randomUUID()}@example.com","password":"x","__proto__":{"isAdmin":true}}`,
    contentType: 'application/json',
    // Refused by the JSON parser itself: such a body never becomes an object.
    status: 400,
    code: 'malformed_request',
  },
  {
    name: 'login: constructor.prototype',
    path: '/session',
    body: login_({ constructor: { prototype: { isAdmin: true } } }),
    status: 400,
    code: 'malformed_request',
  },
  {
    name: 'login: SQL injection in username',
    path: '/session',
    body: () => ({ username: `' OR '1'='1' -- ${randomUUID()}`, password: "' OR '1'='1" }),
    status: 401,
    code: 'invalid_credentials',
  },
  {
    name: 'login: NUL byte in username',
    path: '/session',
    body: login_({ username: `a\u0000${randomUUID()}@example.com` }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login: NUL byte in client_id',
    path: '/session',
    body: login_({ client_id: 'app\u0000' }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login: NUL byte in password',
    path: '/session',
    body: login_({ password: 'pass\u0000word' }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login: lone surrogate in username',
    path: '/session',
    raw: `{"username":"\\ud800-${randomUUID()}","password":"x"}`,
    contentType: 'application/json',
    status: 401,
    code: 'invalid_credentials',
  },
  {
    name: 'login: invalid UTF-8 bytes',
    path: '/session',
    raw: Buffer.concat([
      Buffer.from(`{"username":"h-${randomUUID()}`),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
      Buffer.from('","password":"x"}'),
    ]),
    contentType: 'application/json',
    status: 401,
    code: 'invalid_credentials',
  },
  {
    name: 'login: malformed JSON',
    path: '/session',
    raw: '{"username": "a", "password": ',
    contentType: 'application/json',
    status: 400,
    code: 'malformed_request',
  },
  {
    name: 'login: a JSON array',
    path: '/session',
    raw: '[1,2,3]',
    contentType: 'application/json',
    status: 400,
    code: 'malformed_request',
  },
  {
    name: 'login: JSON null',
    path: '/session',
    raw: 'null',
    contentType: 'application/json',
    status: 400,
    code: 'malformed_request',
  },
  {
    name: 'login: deeply nested JSON',
    path: '/session',
    raw: `{"username":${'['.repeat(5000)}${']'.repeat(5000)},"password":"x"}`,
    contentType: 'application/json',
    status: 400,
    code: 'malformed_request',
  },
  {
    name: 'login: a 100 kB body',
    path: '/session',
    raw: JSON.stringify({ username: 'a', password: 'p'.repeat(100_000) }),
    contentType: 'application/json',
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'login: a 1 MB body',
    path: '/session',
    raw: 'x'.repeat(1_000_000),
    contentType: 'application/json',
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'login: repeated form fields',
    path: '/session',
    raw: 'username=a&username=b&password=x',
    contentType: 'application/x-www-form-urlencoded',
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login: text/plain body',
    path: '/session',
    raw: 'username=a&password=b',
    contentType: 'text/plain',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'login: PUT instead of POST',
    method: 'PUT',
    path: '/session',
    body: login_(),
    status: 405,
    code: 'method_not_allowed',
  },
  // POST /authorize bodies
  {
    name: 'authorize: account is a number',
    path: '/authorize',
    auth: (f) => jwt(f.session),
    body: () => ({ account: 1 }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'authorize: account is an object',
    path: '/authorize',
    auth: (f) => jwt(f.session),
    body: () => ({ account: { $gt: '' } }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'authorize: account of 10 kB',
    path: '/authorize',
    auth: (f) => jwt(f.session),
    body: () => ({ account: 'a'.repeat(10_000) }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'authorize: SQL injection in account',
    path: '/authorize',
    auth: (f) => jwt(f.session),
    body: () => ({ account: "x' OR '1'='1" }),
    status: 403,
    code: 'not_a_member',
  },
  {
    name: 'authorize: NUL byte in account',
    path: '/authorize',
    auth: (f) => jwt(f.session),
    body: () => ({ account: 'acme\u0000' }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'authorize: an unknown field',
    path: '/authorize',
    auth: (f) => jwt(f.session),
    body: () => ({ scopes: ['admin'] }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'authorize: a __proto__ key',
    path: '/authorize',
    auth: (f) => jwt(f.session),
    raw: '{"__proto__":{"account":"x"}}',
    contentType: 'application/json',
    status: 400,
    code: 'malformed_request',
  },
  // /sessions, /password, /logout
  {
    name: 'sessions: SQL injection as the id',
    method: 'DELETE',
    path: `/sessions/${encodeURIComponent("' OR '1'='1")}`,
    auth: (f) => jwt(f.session),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'sessions: an id of 10 kB',
    method: 'DELETE',
    path: `/sessions/${'a'.repeat(10_000)}`,
    auth: (f) => jwt(f.session),
    status: 414,
    code: 'uri_too_long',
  },
  {
    name: "sessions: another user's session id",
    method: 'DELETE',
    path: '/sessions/OTHER',
    auth: (f) => jwt(f.session),
    status: 404,
    code: 'not_found',
  },
  // /consents and /admin/users/:id/consents
  {
    name: 'consents: SQL injection as the client id',
    method: 'DELETE',
    path: `/consents/${encodeURIComponent("' OR '1'='1")}`,
    auth: (f) => jwt(f.session),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'consents: a client id of 10 kB',
    method: 'DELETE',
    path: `/consents/${'a'.repeat(10_000)}`,
    auth: (f) => jwt(f.session),
    status: 414,
    code: 'uri_too_long',
  },
  {
    name: 'consents: a client the caller never allowed',
    method: 'DELETE',
    path: `/consents/${randomUUID()}`,
    auth: (f) => jwt(f.session),
    status: 404,
    code: 'not_found',
  },
  {
    name: "consents: another user's consent",
    method: 'DELETE',
    path: '/consents/CLIENT',
    auth: (f) => jwt(f.session),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'consents: an admin token instead of a session token',
    method: 'GET',
    path: '/consents',
    auth: admin,
    status: 401,
    code: 'wrong_token_type',
  },
  {
    name: 'admin consents: SQL injection as the client id',
    method: 'DELETE',
    path: `/admin/users/TARGET/consents/${encodeURIComponent("' OR '1'='1")}`,
    auth: admin,
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'admin consents: SQL injection as the user id',
    method: 'GET',
    path: `/admin/users/${encodeURIComponent("' OR '1'='1")}/consents`,
    auth: admin,
    status: 404,
    code: 'not_found',
  },
  {
    name: 'admin consents: an unknown user',
    method: 'DELETE',
    path: `/admin/users/${randomUUID()}/consents/${randomUUID()}`,
    auth: admin,
    status: 404,
    code: 'not_found',
  },
  {
    name: 'admin consents: a session token instead of an admin token',
    method: 'GET',
    path: '/admin/users/TARGET/consents',
    auth: (f) => jwt(f.session),
    status: 401,
    code: 'wrong_token_type',
  },
  {
    name: 'sessions: keep_current as an array',
    method: 'DELETE',
    path: '/sessions?keep_current[]=true',
    auth: (f) => jwt(f.authToken),
    status: 401,
    code: 'wrong_token_type',
  },
  {
    name: 'sessions: keep_current is not a boolean',
    method: 'DELETE',
    path: '/sessions?keep_current=1%27',
    auth: (f) => jwt(f.session),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'password: new_password of 1025 characters',
    path: '/password',
    auth: (f) => jwt(f.session),
    body: () => ({ current_password: 'x', new_password: 'p'.repeat(1025) }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'password: new_password is a number',
    path: '/password',
    auth: (f) => jwt(f.session),
    body: () => ({ current_password: 'x', new_password: 12345678 }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'password: with an authorization token',
    path: '/password',
    auth: (f) => jwt(f.authToken),
    body: () => ({ current_password: 'x', new_password: 'long enough' }),
    status: 401,
    code: 'wrong_token_type',
  },
  {
    name: 'logout: with an authorization token',
    path: '/logout',
    auth: (f) => jwt(f.authToken),
    status: 401,
    code: 'wrong_token_type',
  },
  { name: 'logout: without a token', path: '/logout', status: 401, code: 'not_authenticated' },
  // Fields that are null, values whose stored form breaks a limit, absurd paging
  {
    name: 'login: client_id is null',
    path: '/session',
    body: login_({ client_id: null }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login: client_id of 100 characters and 5 variation selectors (105 as stored)',
    path: '/session',
    body: login_({ client_id: `${'c'.repeat(100)}${'\uFE0F'.repeat(5)}` }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login with the right password: client_id of 100 characters and 5 variation selectors',
    path: '/session',
    body: (f) => ({
      username: f.takenEmail,
      password: TEST_PASSWORD,
      client_id: `${'c'.repeat(100)}${'\uFE0F'.repeat(5)}`,
    }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login: client_id of 101 emoji',
    path: '/session',
    body: login_({ client_id: '🙂'.repeat(101) }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login: username is null',
    path: '/session',
    body: login_({ username: null }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login: password of 4097 characters',
    path: '/session',
    body: login_({ password: 'p'.repeat(4097) }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'authorize: account is null',
    path: '/authorize',
    auth: (f) => jwt(f.session),
    body: () => ({ account: null }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'password: new_password is null',
    path: '/password',
    auth: (f) => jwt(f.session),
    body: () => ({ current_password: 'x', new_password: null }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'password: current_password is null',
    path: '/password',
    auth: (f) => jwt(f.session),
    body: () => ({ current_password: null, new_password: 'long enough' }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'password: new_password of 7 characters',
    path: '/password',
    auth: (f) => jwt(f.session),
    body: () => ({ current_password: TEST_PASSWORD, new_password: 'short12' }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'password: new_password of 600 characters, 1200 after NFC (U+0958)',
    path: '/password',
    auth: (f) => jwt(f.session),
    body: () => ({ current_password: TEST_PASSWORD, new_password: '\u0958'.repeat(600) }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'password: new_password with a NUL',
    path: '/password',
    auth: (f) => jwt(f.session),
    body: () => ({ current_password: TEST_PASSWORD, new_password: 'long enough\u0000' }),
    status: 400,
    code: 'validation_failed',
  },
  ...ADMIN_CASES,
  {
    name: 'a path with ../',
    method: 'GET',
    path: '/../../etc/passwd',
    status: 404,
    code: 'not_found',
  },
  {
    name: 'a URL of 20 kB',
    method: 'GET',
    path: `/me?${'q'.repeat(20_000)}`,
    status: 431,
    code: 'headers_too_large',
  },
];

describe('Hostile requests', () => {
  let t: TestApp;
  let f: Fixtures;
  let snapshot: () => Promise<unknown>;
  let before: unknown;
  /** Every status answered, to count the 5xx across the whole table. */
  const answered: number[] = [];

  beforeAll(async () => {
    const adminEmail = `hostile-admin-${randomUUID().slice(0, 8)}@example.com`;
    t = await startTestApp({
      env: { SSO_ADMIN_EMAIL: adminEmail, SSO_ADMIN_PASSWORD: 'a long admin password' },
    });
    const user = await createUser(t.app);
    const account = await createAccountWithMember(t.app, user, ['orders:read']);
    const target = await createUser(t.app);
    const named = await createUser(t.app, {
      username: `taken-${randomUUID().slice(0, 8)}@example.com`,
    });
    const session = await login(t.app, user.email);
    const other = await login(t.app, (await createUser(t.app)).email);
    const { client } = await t.app.get(ClientAdminUseCase).create(Actors.cli(), {
      name: 'Hostile target app',
      redirectUris: ['https://hostile.example/callback'],
    });
    await t.app.get(ConsentsService).grant(Actors.user(target.id), {
      userId: target.id,
      clientId: client.id,
      scopes: ['openid', 'email'],
    });
    f = {
      session,
      admin: await adminCredential(t.app, adminEmail, 'a long admin password'),
      targetId: target.id,
      takenEmail: named.email,
      takenUsername: named.username!,
      accountName: account.name,
      clientId: client.id,
      authToken: await authorize(t.app, session),
      otherSid: decodePart(other, 1).sid as string,
      uid: user.id,
      sid: decodePart(session, 1).sid as string,
      key: t.key,
      publicPem: t.key.publicPem,
    };
    const db = t.app.get(DataSource);
    snapshot = async () =>
      db.query(
        `SELECT (SELECT md5(string_agg(u::text, ',' ORDER BY u.id)) FROM users u) AS users,
                (SELECT md5(string_agg(s::text, ',' ORDER BY s.id)) FROM sessions s) AS sessions,
                (SELECT md5(string_agg(a::text, ',' ORDER BY a.id)) FROM accounts a) AS accounts,
                (SELECT md5(string_agg(m::text, ',' ORDER BY m.id)) FROM memberships m)
                  AS memberships,
                (SELECT count(*) FROM users) AS user_count,
                (SELECT count(*) FROM sessions) AS session_count,
                (SELECT md5(string_agg(c::text, ',' ORDER BY c.user_id, c.client_id))
                   FROM oidc_consents c) AS consents`,
      );
    before = await snapshot();
  });
  afterAll(() => t.close());

  it(`should hold at least 60 cases`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const path = c.path
      .replace('OTHER', f.otherSid)
      .replace('TARGET', f.targetId)
      .replace('CLIENT', f.clientId)
      .replace('ACCOUNT', encodeURIComponent(f.accountName));
    const auth = c.auth ? await c.auth(f) : undefined;
    const response =
      c.raw !== undefined || c.status === 431
        ? await rawRequest(t, c.method ?? 'POST', path, auth, c.raw, c.contentType)
        : await send(t, f, c, path, auth);
    answered.push(response.status);
    expect(response.status, JSON.stringify(response.body)).toBe(c.status);
    expect(response.body).toEqual({
      statusCode: c.status,
      code: c.code,
      message: expect.any(String),
      ...(response.body?.errors ? { errors: expect.any(Array) } : {}),
    });
    expect(JSON.stringify(response.body)).not.toMatch(/at .+\.(js|ts):\d+|QueryFailedError|stack/);
  });

  it('should not have created or changed any user, session, account, membership or consent', async () => {
    expect(await snapshot()).toEqual(before);
  });

  it('should have answered every case, none with a 5xx', () => {
    expect(answered).toHaveLength(CASES.length);
    expect(answered.filter((status) => status >= 500)).toEqual([]);
  });
});

async function send(t: TestApp, f: Fixtures, c: Case, path: string, auth: string | undefined) {
  const method = (c.method ?? 'POST').toLowerCase() as 'get' | 'post' | 'delete' | 'put' | 'patch';
  const req = request(t.app.getHttpServer())[method](path);
  if (auth !== undefined) req.set('Authorization', auth);
  return c.body ? req.send(c.body(f) as object) : req;
}

/** Bytes exactly as given (or too big for an HTTP client library), written on a socket. */
async function rawRequest(
  t: TestApp,
  method: string,
  path: string,
  auth: string | undefined,
  raw: Buffer | string = '',
  contentType = 'application/json',
) {
  const server = t.app.getHttpServer();
  if (!server.listening)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const text = await new Promise<string>((resolve, reject) => {
    const body = Buffer.from(raw);
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n` +
          (auth ? `Authorization: ${auth}\r\n` : '') +
          `Content-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      socket.write(body);
    });
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
  const [head, body] = text.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), body: JSON.parse(body) as Record<string, unknown> };
}
