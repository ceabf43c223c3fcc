import { describe, expect, it } from 'vitest';
import {
  canonicalUuid,
  checkClaims,
  ClaimExpectations,
  decodeToken,
  IAT_CLOCK_SLACK,
  isStrictBase64url,
  TokenRuleError,
} from './token-rules';

const NOW = 1_800_000_000;
const SID = '6f1c2d4e-8a9b-4c3d-9e8f-7a6b5c4d3e2f';
const ACCOUNT = 'a38aae5a-f4e7-4ce9-9b28-868dee567d4b';
const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const HEADER = part({ alg: 'RS256', kid: 'k', typ: 'JWT' });
const SIGNATURE = Buffer.from('signature bytes!').toString('base64url');

/** The claims of a valid authorization token, to be altered by a test. */
const auth = (changes: Record<string, unknown> = {}) => ({
  token: 'auth',
  sid: SID,
  cid: '',
  uid: 'b5f7d9e1-2c3a-4b5c-8d9e-0f1a2b3c4d5e',
  email: 'alice@example.com',
  scopes: ['orders:read'],
  account: ACCOUNT,
  iss: 'nest-sso',
  aud: ['nest-sso', 'orders'],
  iat: NOW - 10,
  exp: NOW + 290,
  sub: 'b5f7d9e1-2c3a-4b5c-8d9e-0f1a2b3c4d5e',
  jti: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f',
  ...changes,
});
const session = (changes: Record<string, unknown> = {}) => {
  const claims: Record<string, unknown> = auth({ token: 'session' });
  for (const claim of ['scopes', 'account', 'exp']) delete claims[claim];
  return { ...claims, ...changes };
};
const expected = (changes: Partial<ClaimExpectations> = {}): ClaimExpectations => ({
  types: ['auth'],
  issuers: ['nest-sso'],
  audience: 'orders',
  leeway: 0,
  now: NOW,
  ...changes,
});

/** The error a rule throws, with its code and message. */
function violation(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TokenRuleError);
    const { code, message } = error as TokenRuleError;
    return { code, message };
  }
  throw new Error('no rule was broken');
}

describe(decodeToken.name, () => {
  it('should split a token into its header and claims', () => {
    const claims = auth();
    expect(decodeToken(`${HEADER}.${part(claims)}.${SIGNATURE}`)).toEqual({
      header: { alg: 'RS256', kid: 'k', typ: 'JWT' },
      claims,
    });
  });

  it.each([
    ['two parts', `${HEADER}.${part(auth())}`, 'three parts'],
    ['four parts', `${HEADER}.${part(auth())}.${SIGNATURE}.x`, 'three parts'],
    ['an empty signature', `${HEADER}.${part(auth())}.`, 'unpadded base64url'],
    ['a padded part', `${HEADER}.${part({ a: 1 })}=.${SIGNATURE}`, 'unpadded base64url'],
    [
      'the standard alphabet (+ and /)',
      `${HEADER}.${part(auth())}.${Buffer.from([0xfb, 0xff]).toString('base64')}`,
      'unpadded base64url',
    ],
    [
      'a space in a part',
      `${HEADER}.${part(auth())}.${SIGNATURE.slice(0, 4)} ${SIGNATURE.slice(4)}`,
      'unpadded base64url',
    ],
    // "QQ" is the only spelling of the byte 0x41; "QR" decodes to the same byte with stray bits.
    ['a part with non-zero unused bits', `${HEADER}.${part(auth())}.QR`, 'unpadded base64url'],
    ['a part whose length is 1 mod 4', `${HEADER}.${part(auth())}.QUFBQ`, 'unpadded base64url'],
    [
      'a header that is not JSON',
      `${Buffer.from('not json').toString('base64url')}.${part(auth())}.${SIGNATURE}`,
      'header is not a JSON object',
    ],
    [
      'claims that are an array',
      `${HEADER}.${part([auth()])}.${SIGNATURE}`,
      'claims are not a JSON object',
    ],
    [
      'claims that are null',
      `${HEADER}.${part(null)}.${SIGNATURE}`,
      'claims are not a JSON object',
    ],
    [
      'claims that are not UTF-8',
      `${HEADER}.${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.${SIGNATURE}`,
      'claims are not a JSON object',
    ],
    ['a header without alg', `${part({ kid: 'k' })}.${part(auth())}.${SIGNATURE}`, 'no "alg"'],
    [
      'a numeric kid',
      `${part({ alg: 'RS256', kid: 7 })}.${part(auth())}.${SIGNATURE}`,
      '"kid" is not a string',
    ],
    [
      'a crit header',
      `${part({ alg: 'RS256', b64: false, crit: ['b64'] })}.${part(auth())}.${SIGNATURE}`,
      'critical header parameters',
    ],
  ])('should refuse %s as malformed', (_, token, why) => {
    const error = violation(() => decodeToken(token));
    expect(error.code).toBe('invalid_token');
    expect(error.message).toMatch(/^The token is malformed: /);
    expect(error.message).toContain(why);
  });
});

describe(isStrictBase64url.name, () => {
  it.each([
    ['QQ', true],
    ['QUI', true],
    ['QUJD', true],
    ['-_8', true],
    ['QQ==', false],
    ['QR', false],
    ['Q', false],
    ['+/8', false],
    ['QU I', false],
    ['QUI\n', false],
    ['', false],
  ])('should judge %j strict: %s', (segment, strict) => {
    expect(isStrictBase64url(segment)).toBe(strict);
  });
});

describe(checkClaims.name, () => {
  it('should return the claims of a valid authorization token', () => {
    const claims = auth();
    expect(checkClaims(claims, expected())).toBe(claims);
  });

  it.each([
    ['a session token with no exp, scopes or account', session(), ['session'] as const],
    ['a session token where both types are accepted', session(), ['auth', 'session'] as const],
    ['an audience given as a string', auth({ aud: 'orders' }), ['auth'] as const],
    ['a numeric uid (a DRF-SSO Django id)', auth({ uid: 42 }), ['auth'] as const],
    ['a uid that is not a UUID', auth({ uid: 'alice' }), ['auth'] as const],
    ['an upper-case UUID account', auth({ account: ACCOUNT.toUpperCase() }), ['auth'] as const],
    ['no account', auth({ account: undefined }), ['auth'] as const],
    ['empty scopes', auth({ scopes: [] }), ['auth'] as const],
    [
      'an iat ahead by less than the clock slack',
      auth({ iat: NOW + IAT_CLOCK_SLACK }),
      ['auth'] as const,
    ],
    ['an nbf that has come', auth({ nbf: NOW }), ['auth'] as const],
    ['fractional times', auth({ iat: NOW - 0.5, exp: NOW + 0.5 }), ['auth'] as const],
  ])('should accept %s', (_, claims, types) => {
    expect(() => checkClaims(claims, expected({ types }))).not.toThrow();
  });

  it.each([
    [
      'a session token where an authorization token is required',
      session(),
      {},
      'wrong_token_type',
      'An authorization token is required here',
    ],
    [
      'an authorization token where a session token is required',
      auth(),
      { types: ['session'] as const },
      'wrong_token_type',
      'A session token is required here',
    ],
    [
      'a token of no known type',
      auth({ token: 'refresh' }),
      { types: ['auth', 'session'] as const },
      'wrong_token_type',
      'The token is neither a session nor an authorization token',
    ],
    [
      'another issuer',
      auth({ iss: 'evil' }),
      {},
      'invalid_token',
      'The token issuer is not accepted',
    ],
    ['a numeric issuer', auth({ iss: 1 }), {}, 'invalid_token', 'The token issuer is not accepted'],
    [
      'another audience',
      auth({ aud: ['billing'] }),
      {},
      'invalid_token',
      'The token is not meant for this service',
    ],
    [
      'no audience',
      auth({ aud: undefined }),
      {},
      'invalid_token',
      'The token\'s "aud" claim must be a string or an array of strings',
    ],
    [
      'an audience list with a number',
      auth({ aud: ['orders', 1] }),
      {},
      'invalid_token',
      'The token\'s "aud" claim must be a string or an array of strings',
    ],
    [
      'an authorization token without exp',
      auth({ exp: undefined }),
      {},
      'invalid_token',
      'The token\'s "exp" claim is missing (authorization tokens must expire)',
    ],
    [
      'a string exp',
      auth({ exp: String(NOW + 60) }),
      {},
      'invalid_token',
      'The token\'s "exp" claim must be a number of seconds',
    ],
    ['a past exp', auth({ exp: NOW }), {}, 'token_expired', 'The token has expired'],
    [
      'a past exp, on a session token',
      session({ exp: NOW - 1 }),
      { types: ['session'] as const },
      'token_expired',
      'The token has expired',
    ],
    [
      'an nbf in the future',
      auth({ nbf: NOW + 1 }),
      {},
      'invalid_token',
      'The token is not valid yet (its "nbf" time is in the future)',
    ],
    [
      'a string nbf',
      auth({ nbf: 'now' }),
      {},
      'invalid_token',
      'The token\'s "nbf" claim must be a number of seconds',
    ],
    [
      'no iat',
      auth({ iat: undefined }),
      {},
      'invalid_token',
      'The token\'s "iat" claim must be a number of seconds',
    ],
    [
      'a string iat',
      auth({ iat: String(NOW) }),
      {},
      'invalid_token',
      'The token\'s "iat" claim must be a number of seconds',
    ],
    [
      'an iat an hour in the future',
      auth({ iat: NOW + 3600 }),
      {},
      'invalid_token',
      'The token\'s "iat" claim is in the future',
    ],
    [
      'an iat just past the clock slack',
      auth({ iat: NOW + IAT_CLOCK_SLACK + 1 }),
      {},
      'invalid_token',
      'The token\'s "iat" claim is in the future',
    ],
    [
      'a sid that is not a UUID',
      auth({ sid: 'abc' }),
      {},
      'invalid_token',
      'The token\'s "sid" claim must be a UUID',
    ],
    [
      'no sid',
      auth({ sid: undefined }),
      {},
      'invalid_token',
      'The token\'s "sid" claim must be a UUID',
    ],
    [
      'an empty uid',
      auth({ uid: '' }),
      {},
      'invalid_token',
      'The token\'s "uid" claim must be a non-empty string or a positive integer',
    ],
    [
      'a zero uid',
      auth({ uid: 0 }),
      {},
      'invalid_token',
      'The token\'s "uid" claim must be a non-empty string or a positive integer',
    ],
    [
      'a negative uid',
      auth({ uid: -3 }),
      {},
      'invalid_token',
      'The token\'s "uid" claim must be a non-empty string or a positive integer',
    ],
    [
      'a fractional uid',
      auth({ uid: 1.5 }),
      {},
      'invalid_token',
      'The token\'s "uid" claim must be a non-empty string or a positive integer',
    ],
    [
      'a uid beyond the safe integers',
      auth({ uid: 2 ** 53 }),
      {},
      'invalid_token',
      'The token\'s "uid" claim must be a non-empty string or a positive integer',
    ],
    [
      'a boolean uid',
      auth({ uid: true }),
      {},
      'invalid_token',
      'The token\'s "uid" claim must be a non-empty string or a positive integer',
    ],
    [
      'an authorization token without scopes',
      auth({ scopes: undefined }),
      {},
      'invalid_token',
      'The token\'s "scopes" claim is missing',
    ],
    [
      'scopes as one string (never matched by substring)',
      auth({ scopes: 'orders:read orders:write' }),
      {},
      'invalid_token',
      'The token\'s "scopes" claim must be an array of strings',
    ],
    [
      'scopes holding a number',
      auth({ scopes: ['orders:read', 1] }),
      {},
      'invalid_token',
      'The token\'s "scopes" claim must be an array of strings',
    ],
    [
      'scopes on a session token that are not strings',
      session({ scopes: 'x' }),
      { types: ['session'] as const },
      'invalid_token',
      'The token\'s "scopes" claim must be an array of strings',
    ],
    [
      'an account name instead of its id',
      auth({ account: 'acme' }),
      {},
      'invalid_token',
      'The token\'s "account" claim must be a UUID',
    ],
    [
      'a null account',
      auth({ account: null }),
      {},
      'invalid_token',
      'The token\'s "account" claim must be a UUID',
    ],
    [
      'a numeric cid',
      auth({ cid: 3 }),
      {},
      'invalid_token',
      'The token\'s "cid" claim must be a string',
    ],
    [
      'an email list',
      auth({ email: ['a@example.com'] }),
      {},
      'invalid_token',
      'The token\'s "email" claim must be a string',
    ],
  ])('should refuse %s', (_, claims, changes, code, message) => {
    expect(violation(() => checkClaims(claims, expected(changes)))).toEqual({ code, message });
  });

  it('should apply the leeway to exp, nbf and iat alike', () => {
    const leeway = expected({ leeway: 30 });
    expect(() => checkClaims(auth({ exp: NOW - 29 }), leeway)).not.toThrow();
    expect(violation(() => checkClaims(auth({ exp: NOW - 30 }), leeway)).code).toBe(
      'token_expired',
    );
    expect(() => checkClaims(auth({ nbf: NOW + 30 }), leeway)).not.toThrow();
    expect(violation(() => checkClaims(auth({ nbf: NOW + 31 }), leeway)).code).toBe(
      'invalid_token',
    );
    expect(() => checkClaims(auth({ iat: NOW + 30 + IAT_CLOCK_SLACK }), leeway)).not.toThrow();
    expect(
      violation(() => checkClaims(auth({ iat: NOW + 31 + IAT_CLOCK_SLACK }), leeway)).message,
    ).toContain('"iat"');
  });

  it('should check the token type first, then the audience, then the expiry', () => {
    const all = expected();
    expect(
      violation(() => checkClaims(session({ aud: ['nest-sso'], exp: NOW - 1 }), all)).code,
    ).toBe('wrong_token_type');
    expect(
      violation(() => checkClaims(auth({ aud: ['billing'], exp: NOW - 1 }), all)).message,
    ).toBe('The token is not meant for this service');
  });
});

describe(canonicalUuid.name, () => {
  it('should lower-case UUIDs and refuse anything else', () => {
    expect(canonicalUuid(ACCOUNT.toUpperCase())).toBe(ACCOUNT);
    expect(canonicalUuid(ACCOUNT)).toBe(ACCOUNT);
    expect(canonicalUuid('acme')).toBeNull();
    expect(canonicalUuid(`${ACCOUNT} `)).toBeNull();
    expect(canonicalUuid(undefined)).toBeNull();
  });
});
