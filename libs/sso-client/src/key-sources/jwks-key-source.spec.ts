import { generateKeyPairSync } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JwksKeySource, maxAgeOf } from './jwks-key-source';

function jwk(kid: string) {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' };
}

describe(JwksKeySource.name, () => {
  let server: Server;
  let url: string;
  let keys: ReturnType<typeof jwk>[];
  let requests: number;
  let status: number;
  let clock: number;
  const now = () => clock;

  beforeEach(async () => {
    keys = [jwk('k1')];
    requests = 0;
    status = 200;
    clock = 1_000_000;
    server = createServer((_, response) => {
      requests++;
      response.writeHead(status, {
        'Content-Type': 'application/json',
        'Cache-Control': 'public, max-age=60',
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
      jwks.getKey('iss', 'k1'),
      jwks.getKey('iss', 'k1'),
      jwks.getKey('iss', 'k1'),
    ]);
    const key = await jwks.getKey('iss', 'k1');
    expect(key?.algorithm).toBe('ES256');
    expect(key?.key.asymmetricKeyType).toBe('ec');
    expect(requests).toBe(1);
  });

  it('should fetch again once the Cache-Control max-age has passed', async () => {
    const jwks = source();
    await jwks.getKey('iss', 'k1');
    clock += 59_000;
    await jwks.getKey('iss', 'k1');
    expect(requests).toBe(1);
    clock += 2_000;
    await jwks.getKey('iss', 'k1');
    expect(requests).toBe(2);
  });

  it('should refetch for an unknown kid, at most once per cooldown however many forged kids arrive', async () => {
    const jwks = source();
    await jwks.getKey('iss', 'k1');
    clock += 30_000;
    keys.push(jwk('k2'));
    expect(await jwks.getKey('iss', 'k2')).toBeDefined();
    expect(requests).toBe(2);

    for (let i = 0; i < 100; i++) expect(await jwks.getKey('iss', `forged-${i}`)).toBeUndefined();
    expect(requests).toBe(2);
    clock += 30_000;
    await jwks.getKey('iss', 'forged-again');
    expect(requests).toBe(3);
  });

  it('should keep using cached keys when the identity server fails or is gone', async () => {
    const jwks = source();
    await jwks.getKey('iss', 'k1');
    clock += 120_000;
    status = 503;
    expect(await jwks.getKey('iss', 'k1')).toBeDefined();
    expect(requests).toBe(2);
    // The failure is not retried on every request: the next try waits for the cooldown.
    await jwks.getKey('iss', 'k1');
    expect(requests).toBe(2);

    await new Promise<void>((resolve) => server.close(() => resolve()));
    clock += 60_000;
    expect(await jwks.getKey('iss', 'k1')).toBeDefined();
    server.listen(0);
  });

  it('should know nothing of an issuer it has no JWKS URL for', async () => {
    expect(await source().getKey('other', 'k1')).toBeUndefined();
    expect(requests).toBe(0);
  });

  it('should read max-age from Cache-Control', () => {
    expect(maxAgeOf('public, max-age=300')).toBe(300_000);
    expect(maxAgeOf('no-store')).toBe(0);
    expect(maxAgeOf('public')).toBeUndefined();
    expect(maxAgeOf(null)).toBeUndefined();
  });
});
