import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { KeyAlgorithm } from '@nest-sso/config';
import { algorithmChangeWarning, algorithmFor } from './key-algorithm';
import { KeySet, ManagedKey } from './key-set';
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

describe(algorithmChangeWarning.name, () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = (
    kid: string,
    algorithm: KeyAlgorithm,
    activateAt: Date | null = null,
  ): ManagedKey => ({
    issuer: 'sso',
    kid,
    file: `/keys/${kid}.pem`,
    algorithm,
    publicKey: rsa.publicKey,
    privateKey: rsa.privateKey,
    activateAt,
    fingerprint: kid,
  });

  it('should warn when the new key signs with another algorithm than the active key, saying what verifiers need', () => {
    const keySet = new KeySet([key('sso-1', 'RS256')], 'sso');
    const warning = algorithmChangeWarning(keySet, 'sso', 'ES256');
    expect(warning).toContain(
      'the new key signs with ES256, while "sso" signs with RS256 now (kid sso-1)',
    );
    expect(warning).toContain('must accept ES256 before the new key activates');
    expect(warning).toContain('DECODE_ALGORITHMS');
    expect(warning).not.toContain('cryptography');
    expect(algorithmChangeWarning(keySet, 'sso', 'EdDSA')).toContain(
      'PyJWT with the cryptography package',
    );
    expect(algorithmChangeWarning(keySet, 'sso', 'PS256')).toContain('signs with PS256');
  });

  it('should compare with the key that signs now, not a pending one', () => {
    const keySet = new KeySet(
      [key('sso-2', 'EdDSA', new Date(Date.now() + 60_000)), key('sso-1', 'ES256')],
      'sso',
    );
    expect(algorithmChangeWarning(keySet, 'sso', 'ES256')).toBeNull();
    expect(algorithmChangeWarning(keySet, 'sso', 'RS256')).toContain('signs with ES256 now');
  });

  it('should stay silent for the same algorithm, and for an issuer with no signing key', () => {
    const keySet = new KeySet([key('sso-1', 'RS256')], 'sso');
    expect(algorithmChangeWarning(keySet, 'sso', 'RS256')).toBeNull();
    expect(algorithmChangeWarning(keySet, 'other', 'ES256')).toBeNull();
  });
});
