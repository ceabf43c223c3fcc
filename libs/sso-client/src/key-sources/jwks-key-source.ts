import { createPublicKey, JsonWebKey } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { KeySource, ResolvedKey } from './key-source';

export interface JwksKeySourceOptions {
  refetchCooldown?: number;
  defaultMaxAge?: number;
  timeout?: number;
  /** For tests: the clock, in milliseconds. */
  now?: () => number;
}

interface IssuerKeys {
  url: string;
  keys: Map<string, ResolvedKey> | null;
  /** When the cached keys are due for a refresh (Cache-Control max-age). */
  expiresAt: number;
  /** When the JWKS was last requested, successfully or not. */
  fetchedAt: number;
  inflight: Promise<void> | null;
}

/**
 * Public keys from the identity server's JWKS, held as `KeyObject`s.
 *
 * - Keys are kept for the response's `Cache-Control: max-age`, then fetched again.
 * - A kid not in the cache causes a refetch, at most once per `refetchCooldown` seconds, so a flood
 *   of tokens with forged kids costs the identity server one request per cooldown.
 * - If the identity server cannot be reached, the keys already held keep working.
 * - Concurrent requests share one fetch.
 */
export class JwksKeySource implements KeySource {
  private readonly logger = new Logger('JwksKeySource');
  private readonly issuers = new Map<string, IssuerKeys>();
  private readonly cooldownMs: number;
  private readonly defaultMaxAgeMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(urls: Record<string, string>, options: JwksKeySourceOptions = {}) {
    for (const [issuer, url] of Object.entries(urls)) {
      this.issuers.set(issuer, {
        url,
        keys: null,
        expiresAt: 0,
        fetchedAt: -Infinity,
        inflight: null,
      });
    }
    this.cooldownMs = (options.refetchCooldown ?? 30) * 1000;
    this.defaultMaxAgeMs = (options.defaultMaxAge ?? 300) * 1000;
    this.timeoutMs = options.timeout ?? 5000;
    this.now = options.now ?? Date.now;
  }

  async getKey(issuer: string, kid: string | undefined): Promise<ResolvedKey | undefined> {
    const entry = this.issuers.get(issuer);
    if (!entry) return undefined;
    if (entry.keys === null || this.now() >= entry.expiresAt) await this.refresh(entry);
    let key = lookup(entry, kid);
    if (!key && kid !== undefined && this.now() - entry.fetchedAt >= this.cooldownMs) {
      await this.refresh(entry);
      key = lookup(entry, kid);
    }
    return key;
  }

  private refresh(entry: IssuerKeys): Promise<void> {
    entry.inflight ??= this.fetchKeys(entry).finally(() => (entry.inflight = null));
    return entry.inflight;
  }

  private async fetchKeys(entry: IssuerKeys): Promise<void> {
    entry.fetchedAt = this.now();
    try {
      const response = await fetch(entry.url, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = (await response.json()) as { keys?: unknown };
      if (!Array.isArray(body.keys)) throw new Error('the response has no "keys" array');
      entry.keys = parseKeys(
        body.keys as (JsonWebKey & { kid?: string; alg?: string; use?: string })[],
      );
      entry.expiresAt =
        this.now() + (maxAgeOf(response.headers.get('cache-control')) ?? this.defaultMaxAgeMs);
    } catch (error) {
      // Keep what we have; try again after the cooldown rather than on every request.
      entry.expiresAt = this.now() + this.cooldownMs;
      this.logger.warn(
        `Fetching ${entry.url} failed (${(error as Error).message}); ` +
          (entry.keys ? `keeping ${entry.keys.size} cached keys` : 'no keys are cached yet'),
      );
    }
  }
}

function lookup(entry: IssuerKeys, kid: string | undefined): ResolvedKey | undefined {
  if (!entry.keys) return undefined;
  return kid === undefined ? entry.keys.values().next().value : entry.keys.get(kid);
}

function parseKeys(
  jwks: (JsonWebKey & { kid?: string; alg?: string; use?: string })[],
): Map<string, ResolvedKey> {
  const keys = new Map<string, ResolvedKey>();
  for (const jwk of jwks) {
    if (typeof jwk.kid !== 'string' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
    try {
      keys.set(jwk.kid, { key: createPublicKey({ key: jwk, format: 'jwk' }), algorithm: jwk.alg });
    } catch {
      // A key this runtime cannot use is skipped; the others still verify.
    }
  }
  return keys;
}

/** `max-age` of a Cache-Control header, in milliseconds; `no-store`/`no-cache` mean 0. */
export function maxAgeOf(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/\b(no-store|no-cache)\b/i.test(header)) return 0;
  const match = /\bmax-age=(\d+)/i.exec(header);
  return match ? Number(match[1]) * 1000 : undefined;
}
