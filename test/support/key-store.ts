import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A freshly generated RSA key pair written to a PEM file; test data, never a real key. */
export interface TestKey {
  file: string;
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  privatePem: string;
  publicPem: string;
}

/** A temporary key store root. */
export function makeKeyStoreDir(): string {
  return mkdtempSync(join(tmpdir(), 'nest-sso-keys-'));
}

/** Generates an RSA key and writes it to `<dir>/<kid>.pem` (private and public parts, or only one). */
export function writeTestKey(
  dir: string,
  kid: string,
  contents: 'combined' | 'private' | 'public' = 'combined',
  modulusLength = 2048,
): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const pem =
    contents === 'combined'
      ? privatePem + publicPem
      : contents === 'private'
        ? privatePem
        : publicPem;
  const file = `${kid}.pem`;
  writeFileSync(join(dir, file), pem, { mode: 0o600 });
  return { file, kid, privateKey, publicKey, privatePem, publicPem };
}
