import { generateKeyPairSync } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JwksKeySource, maxAgeOf } from './jwks-key-source';
import { KeysUnavailableError } from './key-source';

type Kind = 'ES256' | 'RS256' | 'EdDSA';

function jwk(kid: string, alg: Kind = 'ES256', extra: Record<string, unknown> = {}) {
  const { publicKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig', ...extra };
}

describe(JwksKeySource.name, () => {
  let server: Server;
  let url: string;
  let keys: Record<string, unknown>[];
  let requests: number;
  let status: number;
  let cacheControl: string;
  let clock: number;
  const now = () => clock;

  beforeEach(async () => {
    keys = [jwk('k1')];
    requests = 0;
    status = 200;
    cacheControl = 'public, max-age=60';
    clock = 1_000_000;
    server = createServer((_, response) => {
      requests++;
      response.writeHead(status, {
        'Content-Type': 'application/json',
        'Cache-Control': cacheControl,
      });
      response.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const source = () => new JwksKeySource({ iss: url }, { refetchCooldown: 30, now });

  it('should fetch once and serve later lookups, and concurrent ones, from memory', async () => {
    const jwks = source();
    await Promise.all([
      jwks.getKeys('iss', 'k1'),
      jwks.getKeys('iss', 'k1'),
      jwks.getKeys('iss', 'k1'),
    ]);
    const [key] = await jwks.getKeys('iss', 'k1');
    expect(key.algorithm).toBe('ES256');
    expect(key.key.asymmetricKeyType).toBe('ec');
    expect(requests).toBe(1);
  });

  it('should fetch again once the Cache-Control max-age has passed', async () => {
    const jwks = source();
    await jwks.getKeys('iss', 'k1');
    clock += 59_000;
    await jwks.getKeys('iss', 'k1');
    expect(requests).toBe(1);
    clock += 2_000;
    await jwks.getKeys('iss', 'k1');
    expect(requests).toBe(2);
  });

  it.each(['public, max-age=0', 'no-store', 'no-cache'])(
    'should keep keys for the cooldown at least, even under "Cache-Control: %s"',
    async (header) => {
      cacheControl = header;
      const jwks = source();
      for (let i = 0; i < 10; i++) await jwks.getKeys('iss', 'k1');
      clock += 29_000;
      await jwks.getKeys('iss', 'k1');
      expect(requests).toBe(1);
      clock += 1_000;
      await jwks.getKeys('iss', 'k1');
      expect(requests).toBe(2);
    },
  );

  it('should refetch for an unknown kid, at most once per cooldown however many forged kids arrive, even with max-age=0', async () => {
    cacheControl = 'max-age=0';
    const jwks = source();
    await jwks.getKeys('iss', 'k1');
    clock += 30_000;
    keys.push(jwk('k2'));
    expect(await jwks.getKeys('iss', 'k2')).toHaveLength(1);
    expect(requests).toBe(2);

    for (let i = 0; i < 100; i++) expect(await jwks.getKeys('iss', `forged-${i}`)).toEqual([]);
    for (let i = 0; i < 10; i++) await jwks.getKeys('iss', 'k1');
    expect(requests).toBe(2);
    clock += 30_000;
    await jwks.getKeys('iss', 'forged-again');
    expect(requests).toBe(3);
  });

  it('should keep every key of a kid, each with its own algorithm', async () => {
    keys = [jwk('shared', 'RS256'), jwk('shared', 'ES256'), jwk('shared', 'EdDSA'), jwk('k1')];
    const found = await source().getKeys('iss', 'shared');
    expect(found.map((k) => [k.algorithm, k.key.asymmetricKeyType])).toEqual([
      ['RS256', 'rsa'],
      ['ES256', 'ec'],
      ['EdDSA', 'ed25519'],
    ]);
  });

  it('should give every key of the issuer, in JWKS order, for a token without a kid', async () => {
    keys = [jwk('a', 'EdDSA'), jwk('b', 'RS256')];
    const found = await source().getKeys('iss', undefined);
    expect(found.map((k) => k.algorithm)).toEqual(['EdDSA', 'RS256']);
  });

  it('should skip a key whose "alg" its key type cannot do, an encryption key, and a key it cannot parse', async () => {
    const rsa = jwk('liar', 'RS256');
    keys = [
      { ...rsa, alg: 'ES256' },
      jwk('enc', 'RS256', { use: 'enc' }),
      { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA', kid: 'broken', alg: 'ES256' },
      jwk('k1'),
    ];
    const jwks = source();
    expect(await jwks.getKeys('iss', 'liar')).toEqual([]);
    expect(await jwks.getKeys('iss', 'enc')).toEqual([]);
    expect(await jwks.getKeys('iss', 'broken')).toEqual([]);
    expect(await jwks.getKeys('iss', 'k1')).toHaveLength(1);
  });

  it('should keep using cached keys when the identity server fails or is gone', async () => {
    const jwks = source();
    await jwks.getKeys('iss', 'k1');
    clock += 120_000;
    status = 503;
    expect(await jwks.getKeys('iss', 'k1')).toHaveLength(1);
    expect(requests).toBe(2);
    // The failure is not retried on every request: the next try waits for the cooldown.
    await jwks.getKeys('iss', 'k1');
    expect(requests).toBe(2);

    await new Promise<void>((resolve) => server.close(() => resolve()));
    clock += 60_000;
    expect(await jwks.getKeys('iss', 'k1')).toHaveLength(1);
    server.listen(0);
  });

  it('should say when no key could be fetched at all, with the seconds until the next try, and try only once per cooldown', async () => {
    status = 500;
    const jwks = source();
    const first = jwks.getKeys('iss', 'k1');
    const concurrent = jwks.getKeys('iss', 'k1');
    await expect(first).rejects.toThrow(KeysUnavailableError);
    await expect(concurrent).rejects.toThrow(KeysUnavailableError);
    clock += 10_500;
    const error = await jwks.getKeys('iss', 'k1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeysUnavailableError);
    expect((error as KeysUnavailableError).retryAfter).toBe(20);
    expect(requests).toBe(1);

    status = 200;
    clock += 19_500;
    expect(await jwks.getKeys('iss', 'k1')).toHaveLength(1);
    expect(requests).toBe(2);
  });

  it('should know nothing of an issuer it has no JWKS URL for', async () => {
    expect(await source().getKeys('other', 'k1')).toEqual([]);
    expect(requests).toBe(0);
  });

  it.each([
    [{ refetchCooldown: 0 }, 'keys.refetchCooldown must be a number of at least 1 (got 0)'],
    [{ timeout: Number.NaN }, 'keys.timeout must be a number of at least 1'],
  ])('should refuse the options %o', (options, message) => {
    expect(() => new JwksKeySource({ iss: url }, options)).toThrow(message);
  });

  it('should refuse a JWKS URL that is not a URL, naming the issuer', () => {
    expect(() => new JwksKeySource({ iss: 'jwks.json' })).toThrow(
      'keys.jwks["iss"] must be a URL (got "jwks.json")',
    );
  });

  it('should read max-age from Cache-Control', () => {
    expect(maxAgeOf('public, max-age=300')).toBe(300_000);
    expect(maxAgeOf('no-store')).toBe(0);
    expect(maxAgeOf('public')).toBeUndefined();
    expect(maxAgeOf(null)).toBeUndefined();
  });
});
