import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { KeySource, ResolvedKey } from './key-sources/key-source';
import type { SsoClaims } from './sso-auth';
import { VerifiedTokenCache } from './verified-token-cache';

const publicKey = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;

/** A key source whose published keys the test changes, as a JWKS would between fetches. */
class PublishedKeys implements KeySource {
  readonly keys = new Map<string, ResolvedKey>();
  getKeys(issuer: string, kid: string | undefined) {
    const key = this.keys.get(`${issuer}/${kid}`);
    return Promise.resolve(key ? [key] : []);
  }
}

describe(VerifiedTokenCache.name, () => {
  let published: PublishedKeys;
  let key: KeyObject;
  let clock: number;
  const now = () => clock;
  const claims = (exp?: number): SsoClaims => ({
    token: 'auth',
    sid: '6f1c2d4e-8a9b-4c3d-9e8f-7a6b5c4d3e2f',
    cid: '',
    uid: 'u',
    email: 'e@example.com',
    iss: 'iss',
    aud: 'orders',
    iat: 1000,
    exp,
  });

  beforeEach(() => {
    published = new PublishedKeys();
    key = publicKey();
    published.keys.set('iss/k1', { key, algorithm: 'ES256' });
    clock = 1_000_000; // 1000 s
  });

  it('returns the claims of a remembered token while it is valid and its key is published', async () => {
    const cache = new VerifiedTokenCache(published, 10, 0, now);
    const verified = claims(1300);
    cache.remember('token-a', { claims: verified, issuer: 'iss', kid: 'k1', key });
    expect(await cache.lookup('token-a')).toBe(verified);
    expect(await cache.lookup('token-b')).toBeUndefined();
  });

  it('stops at exp, plus the leeway', async () => {
    const cache = new VerifiedTokenCache(published, 10, 5, now);
    cache.remember('t', { claims: claims(1300), issuer: 'iss', kid: 'k1', key });
    clock = 1_304_000;
    expect(await cache.lookup('t')).toBeDefined();
    clock = 1_305_000;
    expect(await cache.lookup('t')).toBeUndefined();
    clock = 1_000_000;
    expect(await cache.lookup('t')).toBeUndefined(); // dropped, not just hidden
    expect(cache.size).toBe(0);
  });

  it('stops as soon as the key is no longer published', async () => {
    const cache = new VerifiedTokenCache(published, 10, 0, now);
    cache.remember('t', { claims: claims(1300), issuer: 'iss', kid: 'k1', key });
    published.keys.delete('iss/k1');
    expect(await cache.lookup('t')).toBeUndefined();
  });

  it('stops when the kid now names different key material', async () => {
    const cache = new VerifiedTokenCache(published, 10, 0, now);
    cache.remember('t', { claims: claims(1300), issuer: 'iss', kid: 'k1', key });
    published.keys.set('iss/k1', { key: publicKey(), algorithm: 'ES256' });
    expect(await cache.lookup('t')).toBeUndefined();
  });

  it('keeps a hit across a refetch that parses the same key into a new KeyObject', async () => {
    const cache = new VerifiedTokenCache(published, 10, 0, now);
    cache.remember('t', { claims: claims(1300), issuer: 'iss', kid: 'k1', key });
    const reparsed = KeyObject.from(
      await crypto.subtle.importKey(
        'jwk',
        key.export({ format: 'jwk' }),
        { name: 'ECDSA', namedCurve: 'P-256' },
        true,
        ['verify'],
      ),
    );
    expect(reparsed).not.toBe(key);
    published.keys.set('iss/k1', { key: reparsed, algorithm: 'ES256' });
    expect(await cache.lookup('t')).toBeDefined();
  });

  it('drops the least recently used token beyond its size', async () => {
    const cache = new VerifiedTokenCache(published, 2, 0, now);
    for (const token of ['a', 'b']) {
      cache.remember(token, { claims: claims(1300), issuer: 'iss', kid: 'k1', key });
    }
    await cache.lookup('a');
    cache.remember('c', { claims: claims(1300), issuer: 'iss', kid: 'k1', key });
    expect(await cache.lookup('a')).toBeDefined();
    expect(await cache.lookup('b')).toBeUndefined();
    expect(await cache.lookup('c')).toBeDefined();
  });

  it('remembers nothing when its size is 0', async () => {
    const cache = new VerifiedTokenCache(published, 0, 0, now);
    cache.remember('t', { claims: claims(1300), issuer: 'iss', kid: 'k1', key });
    expect(await cache.lookup('t')).toBeUndefined();
  });
});
