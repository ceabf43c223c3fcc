import { createPublicKey, JsonWebKey } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { keyTypeFits } from '../key-algorithms';
import { KeySource, KeysUnavailableError, ResolvedKey } from './key-source';

export interface JwksKeySourceOptions {
  /**
   * Least seconds between two JWKS requests for one issuer, whatever causes them (the cache
   * expired, an unknown kid, a failed fetch); also the least time keys are cached, even when
   * `Cache-Control` says less. Default 30, at least 1.
   */
  refetchCooldown?: number;
  /** Seconds to keep keys when the response has no `Cache-Control: max-age` (default 300). */
  defaultMaxAge?: number;
  /** Timeout of one JWKS request, in milliseconds (default 5000). */
  timeout?: number;
  /** For tests: the clock, in milliseconds. */
  now?: () => number;
}

type Jwk = JsonWebKey & { kid?: unknown; alg?: unknown; use?: unknown };

interface IssuerKeys {
  url: string;
  /** Keys by kid (several per kid are kept), and every key in JWKS order; `null` until a fetch succeeds. */
  keys: { byKid: Map<string, ResolvedKey[]>; all: ResolvedKey[] } | null;
  /** When the cached keys are due for a refresh: max(max-age, cooldown) after the fetch. */
  expiresAt: number;
  /** When the JWKS was last requested, successfully or not. */
  fetchedAt: number;
  inflight: Promise<void> | null;
}

/**
 * Public keys from the identity server's JWKS, held as `KeyObject`s.
 *
 * - Keys are kept for the response's `Cache-Control: max-age`, but never less than
 *   `refetchCooldown`, then fetched again.
 * - A kid not in the cache causes a refetch, unless the last request is more recent than
 *   `refetchCooldown`: a flood of forged kids, or of forged signatures, costs the identity server
 *   at most one request per cooldown, whatever its `max-age`.
 * - If the identity server cannot be reached, the keys already held keep working; with no key
 *   held at all, `getKeys` throws `KeysUnavailableError` (the guard answers 503), and the next
 *   attempt waits for the cooldown.
 * - Every key of a kid is kept (the JWK spec only recommends unique kids), with its JWK `alg`.
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
      try {
        new URL(url);
      } catch {
        throw new Error(`sso-client: keys.jwks["${issuer}"] must be a URL (got "${url}")`);
      }
      this.issuers.set(issuer, {
        url,
        keys: null,
        expiresAt: 0,
        fetchedAt: -Infinity,
        inflight: null,
      });
    }
    this.cooldownMs = seconds('refetchCooldown', options.refetchCooldown ?? 30, 1) * 1000;
    this.defaultMaxAgeMs = seconds('defaultMaxAge', options.defaultMaxAge ?? 300, 0) * 1000;
    this.timeoutMs = seconds('timeout', options.timeout ?? 5000, 1);
    this.now = options.now ?? Date.now;
  }

  async getKeys(issuer: string, kid: string | undefined): Promise<ResolvedKey[]> {
    const entry = this.issuers.get(issuer);
    if (!entry) return [];
    if (entry.inflight) await entry.inflight;
    else if (this.now() >= entry.expiresAt) await this.refresh(entry);
    if (!entry.keys) {
      // Nothing to verify with: an outage of the identity server, not a bad token.
      const retryAfter = Math.max(1, Math.ceil((entry.expiresAt - this.now()) / 1000));
      throw new KeysUnavailableError(issuer, retryAfter);
    }
    let keys = lookup(entry.keys, kid);
    if (keys.length === 0 && kid !== undefined && this.mayFetch(entry)) {
      await this.refresh(entry);
      keys = lookup(entry.keys, kid);
    }
    return keys;
  }

  private mayFetch(entry: IssuerKeys): boolean {
    return this.now() - entry.fetchedAt >= this.cooldownMs;
  }

  private async refresh(entry: IssuerKeys): Promise<void> {
    entry.inflight ??= this.fetchKeys(entry).finally(() => (entry.inflight = null));
    await entry.inflight;
  }

  private async fetchKeys(entry: IssuerKeys): Promise<void> {
    entry.fetchedAt = this.now();
    try {
      const response = await fetch(entry.url, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = (await response.json()) as { keys?: unknown };
      if (!Array.isArray(body.keys)) throw new Error('the response has no "keys" array');
      entry.keys = this.parseKeys(entry.url, body.keys as Jwk[]);
      const maxAge = maxAgeOf(response.headers.get('cache-control')) ?? this.defaultMaxAgeMs;
      entry.expiresAt = entry.fetchedAt + Math.max(maxAge, this.cooldownMs);
    } catch (error) {
      // Keep what we have; try again after the cooldown rather than on every request.
      entry.expiresAt = entry.fetchedAt + this.cooldownMs;
      this.logger.warn(
        `Fetching ${entry.url} failed (${(error as Error).message}); ` +
          (entry.keys ? `keeping ${entry.keys.all.length} cached keys` : 'no keys are cached yet'),
      );
    }
  }

  private parseKeys(url: string, jwks: Jwk[]): NonNullable<IssuerKeys['keys']> {
    const byKid = new Map<string, ResolvedKey[]>();
    const all: ResolvedKey[] = [];
    for (const jwk of jwks) {
      if (typeof jwk.kid !== 'string' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
      if (jwk.alg !== undefined && typeof jwk.alg !== 'string') continue;
      let resolved: ResolvedKey;
      try {
        resolved = { key: createPublicKey({ key: jwk, format: 'jwk' }), algorithm: jwk.alg };
      } catch {
        continue; // A key this runtime cannot use is skipped; the others still verify.
      }
      if (jwk.alg !== undefined && !keyTypeFits(resolved.key, jwk.alg)) {
        this.logger.warn(
          `${url}: key "${jwk.kid}" says alg ${jwk.alg}, which its key type cannot do; skipped`,
        );
        continue;
      }
      all.push(resolved);
      byKid.set(jwk.kid, [...(byKid.get(jwk.kid) ?? []), resolved]);
    }
    return { byKid, all };
  }
}

function lookup(keys: NonNullable<IssuerKeys['keys']>, kid: string | undefined): ResolvedKey[] {
  return kid === undefined ? keys.all : (keys.byKid.get(kid) ?? []);
}

function seconds(option: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min)
    throw new Error(
      `sso-client: keys.${option} must be a number of at least ${min} (got ${value})`,
    );
  return value;
}

/** `max-age` of a Cache-Control header, in milliseconds; `no-store`/`no-cache` mean 0. */
export function maxAgeOf(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/\b(no-store|no-cache)\b/i.test(header)) return 0;
  const match = /\bmax-age=(\d+)/i.exec(header);
  return match ? Number(match[1]) * 1000 : undefined;
}
