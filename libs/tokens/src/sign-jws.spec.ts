import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import type { KeyAlgorithm } from '@nest-sso/config';
import { signJws } from './sign-jws';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KEYS: [KeyAlgorithm, { privateKey: KeyObject; publicKey: KeyObject }][] = [
  ['RS256', rsa],
  ['RS384', rsa],
  ['RS512', rsa],
  ['PS256', rsa],
  ['PS384', rsa],
  ['PS512', rsa],
  ['ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ['EdDSA', generateKeyPairSync('ed25519')],
];

describe(signJws.name, () => {
  it.each(KEYS)(
    'should produce %s tokens that jose verifies',
    async (alg, { privateKey, publicKey }) => {
      const claims = { sub: 'u', iss: 'i', aud: ['a'], scopes: ['x', 'ü'] };
      const token = await signJws({ alg, kid: 'k', typ: 'JWT' }, claims, privateKey, alg);
      const { payload, protectedHeader } = await jwtVerify(token, publicKey, { algorithms: [alg] });
      expect(protectedHeader).toEqual({ alg, kid: 'k', typ: 'JWT' });
      expect(payload).toEqual(claims);
    },
  );

  it('should produce a signature that fails under another key', async () => {
    const token = await signJws({ alg: 'RS256' }, { sub: 'u' }, rsa.privateKey, 'RS256');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    await expect(jwtVerify(token, other)).rejects.toThrow('signature verification failed');
  });
});
