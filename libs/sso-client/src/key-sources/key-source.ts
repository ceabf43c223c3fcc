import type { KeyObject } from 'node:crypto';

/** A public key, with the algorithm it is bound to when its source says so (JWK `alg`). */
export interface ResolvedKey {
  key: KeyObject;
  algorithm: string | undefined;
}

/** Finds the public keys of a token by issuer and kid. */
export interface KeySource {
  /**
   * The keys published with that kid, in the source's order: usually one, more when a JWKS holds
   * several keys under one kid (for example an RSA and an EC key during a migration; the verifier
   * picks by the token's `alg` and the key type). Without a kid, every key of the issuer, in order.
   * Empty if the issuer has no such key.
   * @throws KeysUnavailableError when no key of the issuer could be obtained at all
   */
  getKeys(issuer: string, kid: string | undefined): Promise<ResolvedKey[]>;
}

/** No key of an issuer could be fetched yet (identity server unreachable): answered with 503. */
export class KeysUnavailableError extends Error {
  constructor(
    readonly issuer: string,
    /** Seconds until the next attempt to fetch the keys, for `Retry-After`. */
    readonly retryAfter: number,
  ) {
    super(`No key of issuer "${issuer}" could be fetched yet`);
    this.name = 'KeysUnavailableError';
  }
}
