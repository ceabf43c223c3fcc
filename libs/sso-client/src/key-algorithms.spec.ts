import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyAcceptsAlgorithm, keyTypeFits, SUPPORTED_ALGORITHMS } from './key-algorithms';

const KEYS = {
  rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey,
  'rsa-pss': generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey,
  'P-256': generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
  'P-384': generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey,
  'P-521': generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey,
  secp256k1: generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey,
  ed25519: generateKeyPairSync('ed25519').publicKey,
  ed448: generateKeyPairSync('ed448').publicKey,
  x25519: generateKeyPairSync('x25519').publicKey,
};

/** Which algorithms each key type verifies (RFC 7518 section 3.1, RFC 8037 section 3.1). */
const FITS: Record<keyof typeof KEYS, string[]> = {
  rsa: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  'rsa-pss': ['PS256', 'PS384', 'PS512'],
  'P-256': ['ES256'],
  'P-384': ['ES384'],
  'P-521': ['ES512'],
  secp256k1: [],
  ed25519: ['EdDSA'],
  ed448: [],
  x25519: [],
};

describe(keyTypeFits.name, () => {
  it.each(Object.entries(FITS))('should let a %s key verify exactly %j', (name, algorithms) => {
    const key = KEYS[name as keyof typeof KEYS];
    const fitting = [...SUPPORTED_ALGORITHMS, 'HS256', 'none', 'ES256K'].filter((alg) =>
      keyTypeFits(key, alg),
    );
    expect(fitting).toEqual(algorithms);
  });
});

describe(keyAcceptsAlgorithm.name, () => {
  it('should hold a key to its JWK alg when it has one, and to its type in any case', () => {
    expect(keyAcceptsAlgorithm({ key: KEYS.rsa, algorithm: 'RS256' }, 'RS256')).toBe(true);
    expect(keyAcceptsAlgorithm({ key: KEYS.rsa, algorithm: 'RS256' }, 'PS256')).toBe(false);
    expect(keyAcceptsAlgorithm({ key: KEYS.rsa, algorithm: undefined }, 'PS256')).toBe(true);
    expect(keyAcceptsAlgorithm({ key: KEYS.rsa, algorithm: 'ES256' }, 'ES256')).toBe(false);
    expect(keyAcceptsAlgorithm({ key: KEYS['P-256'], algorithm: undefined }, 'RS256')).toBe(false);
  });
});
