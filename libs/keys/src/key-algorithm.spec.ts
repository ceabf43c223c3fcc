import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { algorithmFor } from './key-algorithm';
import { KeyFileError } from './keys.errors';

describe(algorithmFor.name, () => {
  it('should bind RSA keys to the configured RSA algorithm, EC P-256 to ES256 and Ed25519 to EdDSA', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(algorithmFor('k.pem', rsa, 'RS256')).toBe('RS256');
    expect(algorithmFor('k.pem', rsa, 'PS256')).toBe('PS256');
    expect(
      algorithmFor('k.pem', generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, 'RS256'),
    ).toBe('ES256');
    expect(algorithmFor('k.pem', generateKeyPairSync('ed25519').publicKey, 'RS256')).toBe('EdDSA');
  });

  it.each([
    [
      'an RSA key under 2048 bits',
      generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey,
      '1024-bit RSA key',
    ],
    [
      'an EC key on another curve',
      generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey,
      'curve secp384r1',
    ],
    ['an X25519 (encryption) key', generateKeyPairSync('x25519').publicKey, 'holds a x25519 key'],
  ])('should refuse %s, naming the file', (_, key, problem) => {
    expect(() => algorithmFor('/keys/k.pem', key, 'RS256')).toThrow(KeyFileError);
    expect(() => algorithmFor('/keys/k.pem', key, 'RS256')).toThrow(`Key file /keys/k.pem: `);
    expect(() => algorithmFor('/keys/k.pem', key, 'RS256')).toThrow(problem);
  });
});
