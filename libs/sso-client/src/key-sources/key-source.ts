import type { KeyObject } from 'node:crypto';

/** A public key, with the algorithm it is bound to when its source says so (JWK `alg`). */
export interface ResolvedKey {
  key: KeyObject;
  algorithm: string | undefined;
}

/** Finds the public key of a token by issuer and kid. */
export interface KeySource {
  /** The key, or `undefined` if the issuer has no key with that kid. Without a kid, the issuer's first key. */
  getKey(issuer: string, kid: string | undefined): Promise<ResolvedKey | undefined>;
}
