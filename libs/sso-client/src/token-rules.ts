import type { SsoClaims } from './sso-auth';

/**
 * The one rule set for nest-sso tokens: what a token must look like and which claims each token
 * type must carry, with their types and time rules. The identity server (`TokensService`) and
 * this library both apply it after the signature check, so they agree on what a valid token is
 * and answer with the same error codes. The README's "Token rules" section documents it.
 */

/**
 * The token types, in the `token` claim: DRF-SSO's `session` and `auth`, and nest-sso's `admin`
 * (the admin API's credential, for the identity server alone: no service should accept it).
 */
export type SsoTokenType = 'session' | 'auth' | 'admin';

/**
 * Seconds an `iat` may lie in the future, on top of the leeway: servers whose clocks differ
 * slightly must not refuse each other's fresh tokens, while a token issued an hour ahead (a
 * server with a broken clock, or a forgery made to outlive its keys) is refused.
 */
export const IAT_CLOCK_SLACK = 60;

/** The codes a rule violation answers with (all 401), the same on the server and in services. */
export type TokenRuleErrorCode = 'invalid_token' | 'token_expired' | 'wrong_token_type';

/** A token broke a rule; `code` is the stable error code, `message` says which rule. */
export class TokenRuleError extends Error {
  constructor(
    readonly code: TokenRuleErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TokenRuleError';
  }
}

/** The protected header of a token (RFC 7515 section 4.1), after `decodeToken`. */
export interface SsoTokenHeader {
  alg: string;
  kid?: string;
  [parameter: string]: unknown;
}

/** A token split and parsed, not verified: read `iss` and `kid` from it to find the key. */
export interface DecodedToken {
  header: SsoTokenHeader;
  /** The claims as sent; only `checkClaims` after the signature check makes them trustworthy. */
  claims: Record<string, unknown>;
}

/** What the verifier expects of a token's claims. */
export interface ClaimExpectations {
  /** Token types accepted here (the `token` claim). */
  types: readonly SsoTokenType[];
  /** Accepted issuers (`iss`). */
  issuers: readonly string[];
  /** This verifier's identity: `aud` must name it. */
  audience: string;
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat`. */
  leeway: number;
  /** The current time in seconds since the epoch (default: the clock). */
  now?: number;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

const malformed = (why: string) =>
  new TokenRuleError('invalid_token', `The token is malformed: ${why}`);
const invalidClaim = (claim: string, rule: string) =>
  new TokenRuleError('invalid_token', `The token's "${claim}" claim ${rule}`);

/**
 * Whether `segment` is strict base64url (RFC 7515 section 2, RFC 4648 section 5): only the URL
 * alphabet, no padding, no whitespace, and the one canonical encoding of its bytes. Lenient
 * decoders accept `=`, `+`, `/` and stray bits; refusing them keeps one text per token, so a
 * token cannot be re-spelled to slip past anything keyed on its text.
 */
export function isStrictBase64url(segment: string): boolean {
  return (
    BASE64URL.test(segment) && Buffer.from(segment, 'base64url').toString('base64url') === segment
  );
}

/**
 * Splits a JWS compact serialisation into its header and claims, refusing anything that is not
 * three strict base64url parts holding JSON objects, a header without a string `alg`, a non-string
 * `kid`, or a `crit` header (no JWS extension is understood here; RFC 7515 section 4.1.11).
 * @throws TokenRuleError `invalid_token`
 */
export function decodeToken(token: string): DecodedToken {
  const parts = token.split('.');
  if (parts.length !== 3) throw malformed('a JWS has three parts separated by dots');
  if (!parts.every(isStrictBase64url))
    throw malformed('each part must be unpadded base64url (RFC 7515 section 2)');
  const header = jsonObject(parts[0]);
  const claims = jsonObject(parts[1]);
  if (!header) throw malformed('its header is not a JSON object');
  if (!claims) throw malformed('its claims are not a JSON object');
  if (typeof header.alg !== 'string' || header.alg === '')
    throw malformed('its header has no "alg"');
  if (header.kid !== undefined && typeof header.kid !== 'string')
    throw malformed('its "kid" is not a string');
  if (header.crit !== undefined) throw malformed('it has critical header parameters ("crit")');
  return { header: header as SsoTokenHeader, claims };
}

/**
 * Applies the claim rules to the claims of a token whose signature checked out, in this order:
 * token type, issuer, audience, `exp`, `nbf`, `iat`, then the private claims. Returns the same
 * object, typed.
 *
 * - `token` is one of `expected.types`, else `wrong_token_type`;
 * - `iss` is an accepted issuer; `aud` (a string or an array of strings) names `expected.audience`;
 * - `exp` is a number, required on authorization tokens (session tokens may lack it: they never
 *   expire unless the server sets a lifetime); past `exp + leeway` is `token_expired`;
 * - `nbf`, if present, is a number and not after `now + leeway`;
 * - `iat` is a number, and not after `now + leeway + IAT_CLOCK_SLACK`;
 * - `sid` is a UUID; `uid` a non-empty string or a positive safe integer (DRF-SSO's Django ids are
 *   JSON numbers); `scopes` an array of strings, required on authorization tokens; `account`, if
 *   present, a UUID; `cid`, `email`, `sub` and `jti`, if present, strings.
 * @throws TokenRuleError with the code above, or `invalid_token`
 */
export function checkClaims(
  claims: Record<string, unknown>,
  expected: ClaimExpectations,
): SsoClaims {
  const now = expected.now ?? Date.now() / 1000;
  const { leeway } = expected;
  const type = claims.token;
  if (!expected.types.includes(type as SsoTokenType)) {
    throw new TokenRuleError('wrong_token_type', requiredType(expected.types));
  }
  if (typeof claims.iss !== 'string' || !expected.issuers.includes(claims.iss)) {
    throw new TokenRuleError('invalid_token', 'The token issuer is not accepted');
  }
  const aud = claims.aud;
  if (typeof aud !== 'string' && !isStringArray(aud))
    throw invalidClaim('aud', 'must be a string or an array of strings');
  if (aud !== expected.audience && !(Array.isArray(aud) && aud.includes(expected.audience))) {
    throw new TokenRuleError('invalid_token', 'The token is not meant for this service');
  }

  if (claims.exp === undefined) {
    if (type === 'auth') throw invalidClaim('exp', 'is missing (authorization tokens must expire)');
    if (type === 'admin') throw invalidClaim('exp', 'is missing (admin tokens must expire)');
  } else if (!isNumericDate(claims.exp)) {
    throw invalidClaim('exp', 'must be a number of seconds');
  } else if (now >= claims.exp + leeway) {
    throw new TokenRuleError('token_expired', 'The token has expired');
  }
  if (claims.nbf !== undefined) {
    if (!isNumericDate(claims.nbf)) throw invalidClaim('nbf', 'must be a number of seconds');
    if (claims.nbf > now + leeway) {
      throw new TokenRuleError(
        'invalid_token',
        'The token is not valid yet (its "nbf" time is in the future)',
      );
    }
  }
  if (!isNumericDate(claims.iat)) throw invalidClaim('iat', 'must be a number of seconds');
  if (claims.iat > now + leeway + IAT_CLOCK_SLACK) throw invalidClaim('iat', 'is in the future');

  if (!isUuid(claims.sid)) throw invalidClaim('sid', 'must be a UUID');
  if (!isUserId(claims.uid))
    throw invalidClaim('uid', 'must be a non-empty string or a positive integer');
  if (claims.scopes === undefined) {
    if (type === 'auth') throw invalidClaim('scopes', 'is missing');
  } else if (!isStringArray(claims.scopes)) {
    throw invalidClaim('scopes', 'must be an array of strings');
  }
  if (claims.account !== undefined && !isUuid(claims.account))
    throw invalidClaim('account', 'must be a UUID');
  for (const claim of ['cid', 'email', 'sub', 'jti']) {
    if (claims[claim] !== undefined && typeof claims[claim] !== 'string')
      throw invalidClaim(claim, 'must be a string');
  }
  return claims as SsoClaims;
}

/** Whether `value` is a UUID (RFC 9562) in any letter case. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** The canonical (lower-case) form of a UUID, so that ids compare equal whatever their case; `null` if `value` is not a UUID. */
export function canonicalUuid(value: unknown): string | null {
  return isUuid(value) ? value.toLowerCase() : null;
}

function requiredType(types: readonly SsoTokenType[]): string {
  if (types.length === 1) {
    if (types[0] === 'admin') return 'An admin token (POST /admin/token) is required here';
    return types[0] === 'auth'
      ? 'An authorization token is required here'
      : 'A session token is required here';
  }
  return 'The token is neither a session nor an authorization token';
}

function jsonObject(segment: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(UTF8.decode(Buffer.from(segment, 'base64url')));
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isUserId(value: unknown): boolean {
  return (
    (typeof value === 'string' && value !== '') ||
    (typeof value === 'number' && Number.isSafeInteger(value) && value > 0)
  );
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
