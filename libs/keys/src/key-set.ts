import { createHash, JsonWebKey, KeyObject } from 'node:crypto';
import type { KeyAlgorithm } from '@nest-sso/config';

/** One key of the store, parsed once. */
export interface ManagedKey {
  readonly issuer: string;
  /** DRF-SSO key id: the file name relative to the key store root, without `.pem`. */
  readonly kid: string;
  /** Absolute path of the file the key came from. */
  readonly file: string;
  /** The only algorithm this key signs and verifies with. */
  readonly algorithm: KeyAlgorithm;
  readonly publicKey: KeyObject;
  /** `null` for a verify-only key. */
  readonly privateKey: KeyObject | null;
  /** When the key may start signing; `null` means it always could. */
  readonly activateAt: Date | null;
  /** SHA-256 of the public key (SPKI DER), base64url: compare it across replicas and files. */
  readonly fingerprint: string;
}

/** A signing key that is active now. */
export type SigningKey = ManagedKey & { readonly privateKey: KeyObject };

/**
 * pending: published in the JWKS, not signing yet (activation time ahead);
 * active: the one key that signs for its issuer now;
 * retired: verifies only (superseded by a newer key, or holding no private key).
 */
export type KeyState = 'pending' | 'active' | 'retired';

/** A published public key in JWK form (RFC 7517). */
export type PublicJwk = JsonWebKey & { kid: string; alg: string; use: 'sig' };

/** The JWKS document, serialised once per key set, with its entity tag. */
export interface JwksDocument {
  readonly json: string;
  readonly etag: string;
}

/**
 * An immutable snapshot of every key the server holds. Keys of an issuer are in priority order:
 * the first one that holds a private key and whose activation time has come signs. Whether a key
 * is active is decided at each use, so a pending key starts signing at its activation time
 * without a reload. Lookups are map reads: nothing touches the disk on the request path.
 */
export class KeySet {
  private readonly byIssuer = new Map<string, ManagedKey[]>();
  private readonly byKid = new Map<string, Map<string, ManagedKey>>();
  /** The JWKS of the published issuer: every key, whatever its state. */
  readonly jwks: JwksDocument;

  constructor(
    keys: readonly ManagedKey[],
    readonly publishedIssuer: string,
  ) {
    for (const key of keys) {
      let list = this.byIssuer.get(key.issuer);
      let kids = this.byKid.get(key.issuer);
      if (!list || !kids) {
        this.byIssuer.set(key.issuer, (list = []));
        this.byKid.set(key.issuer, (kids = new Map<string, ManagedKey>()));
      }
      if (kids.has(key.kid)) continue;
      list.push(key);
      kids.set(key.kid, key);
    }
    const json = JSON.stringify({ keys: this.keysOf(publishedIssuer).map(toJwk) });
    this.jwks = { json, etag: `"${createHash('sha256').update(json).digest('base64url')}"` };
  }

  /** The key `issuer` signs with at `now`, if any. */
  signingKey(issuer: string, now = Date.now()): SigningKey | undefined {
    return this.byIssuer
      .get(issuer)
      ?.find((key): key is SigningKey => key.privateKey !== null && isActivated(key, now));
  }

  /**
   * The key that verifies a token of `issuer` with key id `kid`. Without a kid, the issuer's first
   * key that is not pending, as DRF-SSO falls back to the first key.
   */
  verificationKey(
    issuer: string,
    kid: string | undefined,
    now = Date.now(),
  ): ManagedKey | undefined {
    if (kid !== undefined) return this.byKid.get(issuer)?.get(kid);
    return this.byIssuer.get(issuer)?.find((key) => isActivated(key, now));
  }

  stateOf(key: ManagedKey, now = Date.now()): KeyState {
    if (!isActivated(key, now)) return 'pending';
    return this.signingKey(key.issuer, now)?.kid === key.kid ? 'active' : 'retired';
  }

  /** Issuers for which at least one key is held. */
  issuers(): string[] {
    return [...this.byIssuer.keys()];
  }

  /** Keys of one issuer, in priority order. */
  keysOf(issuer: string): ManagedKey[] {
    return [...(this.byIssuer.get(issuer) ?? [])];
  }

  /** Every key, issuer by issuer. */
  all(): ManagedKey[] {
    return [...this.byIssuer.values()].flat();
  }
}

function isActivated(key: ManagedKey, now: number): boolean {
  return key.activateAt === null || key.activateAt.getTime() <= now;
}

function toJwk(key: ManagedKey): PublicJwk {
  return {
    ...key.publicKey.export({ format: 'jwk' }),
    kid: key.kid,
    alg: key.algorithm,
    use: 'sig',
  };
}
