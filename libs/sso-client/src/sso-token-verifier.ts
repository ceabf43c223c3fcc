import { Inject, Injectable } from '@nestjs/common';
import { compactVerify } from 'jose';
import { DEFAULT_ALGORITHMS, keyAcceptsAlgorithm, SUPPORTED_ALGORITHMS } from './key-algorithms';
import { KeySource, KeysUnavailableError, ResolvedKey } from './key-sources/key-source';
import type { SsoAuth, SsoClaims } from './sso-auth';
import { SsoClientError } from './sso-client.errors';
import { SSO_CLIENT_OPTIONS, SsoClientOptions } from './sso-client.options';
import {
  canonicalUuid,
  checkClaims,
  decodeToken,
  SsoTokenType,
  TokenRuleError,
} from './token-rules';
import { VerifiedTokenCache } from './verified-token-cache';

/** Injection token of the `KeySource`. */
export const SSO_KEY_SOURCE = Symbol('SSO_KEY_SOURCE');

/** `Authorization: JWT <token>` (djangorestframework-sso) or `Authorization: Bearer <token>`. */
export function tokenFromRequest(request: {
  headers: { authorization?: string | string[] };
}): string | null {
  const header = request.headers.authorization;
  const match = /^(?:JWT|Bearer)\s+(\S+)\s*$/i.exec(typeof header === 'string' ? header : '');
  return match ? match[1] : null;
}

/**
 * Verifies a token and maps it to `SsoAuth`: the issuer picks the key source, the kid and the
 * token's `alg` pick the key (which must fit the key's type and JWK `alg`), jose checks the
 * signature, and the shared rule set (`checkClaims`) checks the claims. Tokens verified before
 * come from the `VerifiedTokenCache`. Every failure is an `SsoClientError`.
 */
@Injectable()
export class SsoTokenVerifier {
  private readonly algorithms: ReadonlySet<string>;
  private readonly types: SsoTokenType[];
  private readonly leeway: number;

  constructor(
    @Inject(SSO_CLIENT_OPTIONS) private readonly options: SsoClientOptions,
    @Inject(SSO_KEY_SOURCE) private readonly keySource: KeySource,
    private readonly verifications: VerifiedTokenCache,
  ) {
    assertOptions(options);
    this.algorithms = new Set(options.algorithms ?? DEFAULT_ALGORITHMS);
    this.types = options.acceptSessionTokens ? ['auth', 'session'] : ['auth'];
    this.leeway = options.leeway ?? 0;
  }

  /** The verified identity of `token`. @throws SsoClientError (401, or 503 without keys) */
  async verify(token: string): Promise<SsoAuth> {
    try {
      const claims = (await this.verifications.lookup(token)) ?? (await this.verifyFully(token));
      return await this.authFromClaims(claims);
    } catch (error) {
      if (error instanceof TokenRuleError) throw new SsoClientError(error.code, error.message);
      if (error instanceof KeysUnavailableError) {
        throw new SsoClientError(
          'service_unavailable',
          'The keys of the token issuer cannot be fetched now; retry later',
          error.retryAfter,
        );
      }
      throw error;
    }
  }

  private async verifyFully(token: string): Promise<SsoClaims> {
    const { header, claims } = decodeToken(token);
    const issuer = claims.iss;
    if (typeof issuer !== 'string' || !this.options.acceptedIssuers.includes(issuer))
      throw new SsoClientError('invalid_token', 'The token issuer is not accepted');
    if (!this.algorithms.has(header.alg))
      throw new SsoClientError('invalid_token', 'The token algorithm is not accepted');
    const published = await this.keySource.getKeys(issuer, header.kid);
    const fitting = published.filter((key) => keyAcceptsAlgorithm(key, header.alg));
    if (fitting.length === 0) {
      throw new SsoClientError(
        'invalid_token',
        published.length === 0
          ? 'The token was signed with an unknown key'
          : 'The token algorithm is not accepted',
      );
    }
    // Without a kid, the issuer's first fitting key (as DRF-SSO); with one, each key of that kid
    // that fits, since a JWKS may hold several under one kid.
    const key = await verifiedBy(
      token,
      header.alg,
      header.kid === undefined ? [fitting[0]] : fitting,
    );
    if (!key) throw new SsoClientError('invalid_token', 'The token signature is invalid');
    const verified = checkClaims(claims, {
      types: this.types,
      issuers: this.options.acceptedIssuers,
      audience: this.options.identity,
      leeway: this.leeway,
    });
    this.verifications.remember(token, { claims: verified, issuer, kid: header.kid, key: key.key });
    return verified;
  }

  /** Maps verified claims to `SsoAuth`, running `authenticatePayload` (on every request). */
  private async authFromClaims(claims: SsoClaims): Promise<SsoAuth> {
    let user: unknown;
    if (this.options.authenticatePayload) {
      user = await this.options.authenticatePayload(claims);
      if (user === null || user === undefined)
        throw new SsoClientError('invalid_token', 'The token names no known user');
    }
    return {
      uid: claims.uid,
      sid: claims.sid.toLowerCase(),
      email: claims.email ?? '',
      cid: claims.cid ?? '',
      account: canonicalUuid(claims.account),
      scopes: claims.scopes ?? [],
      issuer: claims.iss,
      claims,
      user,
    };
  }
}

/** The first of `keys` whose signature over `token` checks out, if any. */
async function verifiedBy(
  token: string,
  alg: string,
  keys: ResolvedKey[],
): Promise<ResolvedKey | undefined> {
  for (const key of keys) {
    try {
      await compactVerify(token, key.key, { algorithms: [alg] });
      return key;
    } catch {
      // A bad signature, or a key jose refuses for this algorithm (an RSA key under 2048 bits):
      // not this key.
    }
  }
  return undefined;
}

/** Refuses options that could never verify a token, at start-up, naming the option. */
function assertOptions(options: SsoClientOptions): void {
  if (typeof options.identity !== 'string' || options.identity === '')
    throw new Error('sso-client: "identity" must be a non-empty string (this service\'s audience)');
  if (
    !Array.isArray(options.acceptedIssuers) ||
    options.acceptedIssuers.length === 0 ||
    !options.acceptedIssuers.every((issuer) => typeof issuer === 'string' && issuer !== '')
  ) {
    throw new Error('sso-client: "acceptedIssuers" must be a non-empty list of issuer names');
  }
  const unsupported = (options.algorithms ?? []).filter(
    (alg) => !(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg),
  );
  if (options.algorithms?.length === 0 || unsupported.length > 0) {
    throw new Error(
      `sso-client: "algorithms" must list algorithms among ${SUPPORTED_ALGORITHMS.join(', ')}` +
        (unsupported.length > 0 ? ` (got ${unsupported.join(', ')})` : ''),
    );
  }
  const leeway = options.leeway ?? 0;
  if (!Number.isFinite(leeway) || leeway < 0)
    throw new Error(`sso-client: "leeway" must be a number of seconds, 0 or more (got ${leeway})`);
  const keyed = 'jwks' in options.keys ? options.keys.jwks : options.keys.publicKeys;
  const keyless = options.acceptedIssuers.filter((issuer) => !Object.hasOwn(keyed, issuer));
  if (keyless.length > 0) {
    throw new Error(
      `sso-client: no keys are configured for the accepted issuer(s) ${keyless.join(', ')}; ` +
        `add ${'jwks' in options.keys ? 'keys.jwks' : 'keys.publicKeys'} entries for them`,
    );
  }
}
