import { Inject, Injectable } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { compactVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { KEY_ALGORITHMS, SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { SsoError } from '@nest-sso/common';
import { KeyStore } from '@nest-sso/keys';
import { checkClaims, decodeToken, isUuid, SsoClaims, TokenRuleError } from '@nest-sso/sso-client';
import { Metrics } from '@nest-sso/metrics';
import {
  ADMIN_TOKEN,
  adminAudience,
  AUTHORIZATION_TOKEN,
  SESSION_TOKEN,
  TokenClaims,
} from './claims';
import { signJws } from './sign-jws';

/** A token that passed verification: its claims and the key that verified them. */
interface Verified {
  payload: Readonly<SsoClaims>;
  issuer: string;
  kid: string | undefined;
  key: KeyObject;
}

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
   * server's identity: signature with the key its kid names (in that key's one algorithm), then
   * the shared token rules of `@nest-sso/sso-client` (`checkClaims`: the same rules, and error
   * codes, as every service using that library). Every failure is an `SsoError` with a 401 code.
   * UUID claims (`sid`, `account`, a UUID `uid`) come back in canonical lower-case form.
   */
  async verify<T extends TokenClaims>(token: string, type: T['token']): Promise<T> {
    // Session and admin tokens are minted only here, so only this server's identity may have
    // issued one; authorization tokens may come from any accepted issuer.
    const accepted =
      type === AUTHORIZATION_TOKEN
        ? (this.config.acceptedIssuers ?? this.keyStore.current.issuers())
        : [this.config.identity];
    const cacheKey = `${type}:${token}`;
    const hit = this.verified.get(cacheKey);
    if (hit && this.stillValid(hit)) return hit.payload as unknown as T;

    const { header, claims } = ruled(() => decodeToken(token));
    // Like DRF-SSO, the issuer picks the key set; it must be accepted before any key is looked up.
    const issuer = claims.iss;
    if (typeof issuer !== 'string' || !accepted.includes(issuer)) {
      throw new SsoError('invalid_token', 'The token issuer is not accepted');
    }
    const key = this.keyStore.current.verificationKey(issuer, header.kid);
    if (!key) throw new SsoError('invalid_token', 'The token was signed with an unknown key');
    // Each key verifies with its own algorithm only (no RS256/HS256 or RSA/EC confusion).
    const allowed = this.config.decodeAlgorithms ?? KEY_ALGORITHMS;
    if (header.alg !== key.algorithm || !allowed.includes(key.algorithm)) {
      throw new SsoError('invalid_token', 'The token algorithm is not accepted');
    }
    try {
      await compactVerify(token, key.publicKey, { algorithms: [key.algorithm] });
    } catch {
      throw new SsoError('invalid_token', 'The token signature is invalid');
    }
    const checked = ruled(() =>
      checkClaims(claims, {
        types: [type],
        issuers: accepted,
        // An admin token names the admin API alone, so nothing else accepts it.
        audience: type === ADMIN_TOKEN ? adminAudience(this.config.identity) : this.config.identity,
        leeway: this.config.expirationLeeway,
      }),
    );
    // Admin tokens come only from this server, which names their user by UUID. Session tokens
    // may also come from the DRF-SSO server it replaced (imported sessions): a UUID or a numeric
    // id (`tokenUid`), then checked against the session's user.
    if (type === ADMIN_TOKEN && !isUuid(checked.uid)) {
      throw new SsoError('invalid_token', 'The token\'s "uid" claim must be a UUID');
    }
    if (type === SESSION_TOKEN && !isUuid(checked.uid) && typeof checked.uid !== 'number') {
      throw new SsoError('invalid_token', 'The token\'s "uid" claim must be a UUID or an integer');
    }
    const payload = Object.freeze(canonical(checked));
    this.verified.set(cacheKey, { payload, issuer, kid: header.kid, key: key.publicKey });
    return payload as unknown as T;
  }

  private stillValid(hit: Verified): boolean {
    if (typeof hit.payload.exp === 'number') {
      if (Date.now() / 1000 >= hit.payload.exp + this.config.expirationLeeway) return false;
    }
    return this.keyStore.current.verificationKey(hit.issuer, hit.kid)?.publicKey === hit.key;
  }
}

/** Runs a token rule, turning its violation into the `SsoError` with the same code. */
function ruled<T>(rule: () => T): T {
  try {
    return rule();
  } catch (error) {
    if (error instanceof TokenRuleError) throw new SsoError(error.code, error.message);
    throw error;
  }
}

/**
 * The claims with their UUIDs in canonical form: the database compares uuid columns whatever
 * the letter case, so every comparison in code must see the same form.
 */
function canonical(claims: SsoClaims): SsoClaims {
  return {
    ...claims,
    sid: claims.sid.toLowerCase(),
    ...(isUuid(claims.uid) ? { uid: claims.uid.toLowerCase() } : {}),
    ...(claims.account === undefined ? {} : { account: claims.account.toLowerCase() }),
  };
}
