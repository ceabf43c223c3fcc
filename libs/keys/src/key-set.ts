import { JsonWebKey, KeyObject } from 'node:crypto';
import type { SigningAlgorithm } from '@nest-sso/config';

/** The private key an issuer signs with, and its key id. */
export interface SigningKey {
  readonly issuer: string;
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  readonly privateKey: KeyObject;
}

/** A public key that verifies tokens of one issuer. */
export interface VerificationKey {
  readonly issuer: string;
  readonly kid: string;
  readonly publicKey: KeyObject;
}

/** A published public key in JWK form (RFC 7517). */
export type PublicJwk = JsonWebKey & { kid: string; alg: string; use: 'sig' };

/**
 * An immutable snapshot of every key the server holds, parsed once into `KeyObject`s.
 * Lookups are map reads: nothing touches the disk or re-parses PEM on the request path.
 */
export class KeySet {
  private readonly byIssuer = new Map<string, Map<string, VerificationKey>>();

  constructor(
    private readonly signing: ReadonlyMap<string, SigningKey>,
    verification: readonly VerificationKey[],
    private readonly published: { issuer: string; algorithm: SigningAlgorithm },
  ) {
    for (const key of verification) {
      let keys = this.byIssuer.get(key.issuer);
      if (!keys) this.byIssuer.set(key.issuer, (keys = new Map<string, VerificationKey>()));
      keys.set(key.kid, key);
    }
  }

  /** The key `issuer` signs with, if this server signs for it. */
  signingKey(issuer: string): SigningKey | undefined {
    return this.signing.get(issuer);
  }

  /**
   * The public key for a token of `issuer` with key id `kid`. Without a kid, the issuer's first
   * key, as DRF-SSO does.
   */
  verificationKey(issuer: string, kid: string | undefined): KeyObject | undefined {
    const keys = this.byIssuer.get(issuer);
    if (!keys) return undefined;
    const key = kid === undefined ? keys.values().next().value : keys.get(kid);
    return key?.publicKey;
  }

  /** Issuers for which at least one verification key is held. */
  issuers(): string[] {
    return [...this.byIssuer.keys()];
  }

  /** Verification keys of one issuer, in configured order. */
  keysOf(issuer: string): VerificationKey[] {
    return [...(this.byIssuer.get(issuer)?.values() ?? [])];
  }

  /** The JWKS document of this server's own issuer. */
  jwks(): { keys: PublicJwk[] } {
    return {
      keys: this.keysOf(this.published.issuer).map((key) => ({
        ...key.publicKey.export({ format: 'jwk' }),
        kid: key.kid,
        alg: this.published.algorithm,
        use: 'sig' as const,
      })),
    };
  }
}
