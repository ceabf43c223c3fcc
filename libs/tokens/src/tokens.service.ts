import { Inject, Injectable } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors, JWTPayload, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { KEY_ALGORITHMS, SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { SsoError } from '@nest-sso/common';
import { KeyStore } from '@nest-sso/keys';
import { Metrics } from '@nest-sso/metrics';
import { SESSION_TOKEN, TokenClaims, TokenType } from './claims';
import { signJws } from './sign-jws';

/** A token that passed verification: its claims and the key that verified them. */
interface Verified {
  payload: JWTPayload;
  issuer: string;
  kid: string | undefined;
  key: KeyObject;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Signs tokens with the identity's active key and verifies tokens with algorithms, issuer and audience pinned. */
@Injectable()
export class TokensService {
  /**
   * Tokens verified before, by their exact text: a client presents the same session token on
   * every request, so its signature is checked once per process, not once per request. A hit
   * holds only until `exp` and while the same key still verifies for that kid; the session row
   * is checked on every request regardless, so revocation is unaffected.
   */
  private readonly verified = new LRUCache<string, Verified>({ max: 10_000 });

  constructor(
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
    private readonly keyStore: KeyStore,
    private readonly metrics: Metrics,
  ) {}

  /** Signs `claims` as this server's identity; the header carries alg, kid and typ. */
  async sign(claims: TokenClaims): Promise<string> {
    const key = this.keyStore.current.signingKey(this.config.identity);
    if (!key) throw new Error(`No signing key for "${this.config.identity}"`);
    const token = await signJws(
      { alg: key.algorithm, kid: key.kid, typ: 'JWT' },
      claims,
      key.privateKey,
      key.algorithm,
    );
    this.metrics.tokensIssued.inc({ type: claims.token });
    return token;
  }

  /**
   * Verifies `token` and returns its claims if it is a valid token of type `type` for this
   * server's identity. Every failure is an `SsoError` with a 401 code; nothing else escapes.
   */
  async verify<T extends TokenClaims>(token: string, type: T['token']): Promise<T> {
    // Session tokens are minted only here, so only this server's identity may have issued one;
    // authorization tokens may come from any accepted issuer.
    const accepted =
      type === SESSION_TOKEN
        ? [this.config.identity]
        : (this.config.acceptedIssuers ?? this.keyStore.current.issuers());
    const cacheKey = `${type}:${token}`;
    const hit = this.verified.get(cacheKey);
    if (hit && this.stillValid(hit)) return hit.payload as T;

    const issuer = this.unverifiedIssuer(token, accepted);
    const keySet = this.keyStore.current;
    let payload: JWTPayload;
    let used: Pick<Verified, 'kid' | 'key'> | undefined;
    try {
      ({ payload } = await jwtVerify(
        token,
        (header) => {
          const key = keySet.verificationKey(issuer, header.kid);
          if (!key) throw new SsoError('invalid_token', 'The token was signed with an unknown key');
          // Each key verifies with its own algorithm only (no RS256/HS256 or RSA/EC confusion).
          if (header.alg !== key.algorithm) {
            throw new SsoError('invalid_token', 'The token algorithm is not accepted');
          }
          used = { kid: header.kid, key: key.publicKey };
          return key.publicKey;
        },
        {
          algorithms: this.config.decodeAlgorithms ?? [...KEY_ALGORITHMS],
          issuer,
          audience: this.config.identity,
          clockTolerance: this.config.expirationLeeway,
        },
      ));
    } catch (error) {
      throw toTokenError(error);
    }
    assertClaims(payload, type, this.config.expirationLeeway);
    if (used) this.verified.set(cacheKey, { payload: Object.freeze(payload), issuer, ...used });
    return payload as T;
  }

  private stillValid(hit: Verified): boolean {
    if (typeof hit.payload.exp === 'number') {
      if (Date.now() / 1000 >= hit.payload.exp + this.config.expirationLeeway) return false;
    }
    return this.keyStore.current.verificationKey(hit.issuer, hit.kid)?.publicKey === hit.key;
  }

  /** Like DRF-SSO, the issuer picks the key set; it must be accepted before any key is looked up. */
  private unverifiedIssuer(token: string, accepted: string[]): string {
    let iss: unknown;
    try {
      decodeProtectedHeader(token);
      iss = decodeJwt(token).iss;
    } catch {
      throw new SsoError('invalid_token', 'The token is malformed');
    }
    if (typeof iss !== 'string' || !accepted.includes(iss)) {
      throw new SsoError('invalid_token', 'The token issuer is not accepted');
    }
    return iss;
  }
}

function toTokenError(error: unknown): SsoError {
  if (error instanceof SsoError) return error;
  if (error instanceof errors.JWTExpired)
    return new SsoError('token_expired', 'The token has expired');
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new SsoError('invalid_token', 'The token algorithm is not accepted');
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new SsoError('invalid_token', 'The token signature is invalid');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new SsoError('invalid_token', `The token's "${error.claim}" claim is invalid`);
  }
  return new SsoError('invalid_token', 'The token is invalid');
}

function assertClaims(payload: JWTPayload, type: TokenType, leeway: number): void {
  if (payload.token !== type) {
    throw new SsoError(
      'wrong_token_type',
      type === 'session'
        ? 'A session token is required here'
        : 'An authorization token is required here',
    );
  }
  if (typeof payload.sid !== 'string' || !UUID.test(payload.sid)) {
    throw new SsoError('invalid_token', 'The token\'s "sid" claim is invalid');
  }
  // Session tokens come only from this server, whose user ids are UUIDs.
  if (
    typeof payload.uid !== 'string' ||
    payload.uid === '' ||
    (type === 'session' && !UUID.test(payload.uid))
  ) {
    throw new SsoError('invalid_token', 'The token\'s "uid" claim is invalid');
  }
  // A token issued in the future was not issued by a server with a sane clock. A minute of slack
  // keeps replicas whose clocks differ slightly from refusing each other's fresh tokens.
  if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + leeway + 60) {
    throw new SsoError('invalid_token', 'The token\'s "iat" claim is in the future');
  }
}
