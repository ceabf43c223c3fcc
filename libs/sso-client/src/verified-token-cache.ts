import type { KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { KeySource } from './key-sources/key-source';
import type { SsoClaims } from './sso-auth';

/** What a successful verification leaves behind: the claims, and the key that verified them. */
export interface Verification {
  claims: SsoClaims;
  issuer: string;
  kid: string | undefined;
  key: KeyObject;
}

/**
 * Remembers tokens that passed full verification, keyed by their exact text, so a client reusing
 * its authorization token for its whole lifetime pays for the signature check once, not on every
 * request (the same idea as Envoy's `jwt_cache_config`).
 *
 * Only verified tokens get in, so forged tokens cannot fill it. A hit is honoured only while the
 * token has not expired (`exp` + leeway) and its key is still published by the key source: a key
 * removed from the JWKS stops its cached tokens at once. Least recently used entries are dropped
 * beyond `maxEntries`.
 */
export class VerifiedTokenCache {
  private readonly entries: LRUCache<string, Verification> | null;

  constructor(
    private readonly keySource: KeySource,
    maxEntries: number,
    private readonly leewaySeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.entries = maxEntries > 0 ? new LRUCache({ max: maxEntries }) : null;
  }

  /** The claims of a token verified before, if it still holds; otherwise `undefined`. */
  async lookup(token: string): Promise<SsoClaims | undefined> {
    const entry = this.entries?.get(token);
    if (!entry) return undefined;
    if (
      typeof entry.claims.exp === 'number' &&
      this.now() / 1000 >= entry.claims.exp + this.leewaySeconds
    ) {
      this.entries!.delete(token);
      return undefined;
    }
    const published = await this.keySource.getKeys(entry.issuer, entry.kid);
    if (!published.some(({ key }) => key === entry.key || key.equals(entry.key))) {
      this.entries!.delete(token);
      return undefined;
    }
    return entry.claims;
  }

  remember(token: string, verification: Verification): void {
    this.entries?.set(token, verification);
  }

  get size(): number {
    return this.entries?.size ?? 0;
  }
}
