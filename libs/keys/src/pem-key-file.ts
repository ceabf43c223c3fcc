import { createPrivateKey, createPublicKey, KeyObject, X509Certificate } from 'node:crypto';
import { KeyFileError } from './keys.errors';

/** The keys held by one PEM file: a public key always, and the private key if the file has one. */
export interface PemKeyPair {
  privateKey: KeyObject | null;
  publicKey: KeyObject;
}

const MIN_RSA_BITS = 2048;
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * Parses a PEM file that holds a private key, a public key or certificate, or both (DRF-SSO's
 * combined files). Accepts PKCS#8 and PKCS#1 private keys and SPKI, PKCS#1 and X.509 public keys.
 * A private-only file yields its public key. Refuses anything that is not an RSA key of 2048 bits
 * or more, encrypted keys, and files whose two halves do not belong together.
 */
export function parsePemKeyFile(file: string, content: string): PemKeyPair {
  let privateKey: KeyObject | null = null;
  let publicKey: KeyObject | null = null;
  const blocks = [...content.matchAll(PEM_BLOCK)];
  if (blocks.length === 0)
    throw new KeyFileError(file, 'holds no PEM block (expected -----BEGIN ... KEY-----)');

  for (const [block, label] of blocks) {
    try {
      if (label === 'PRIVATE KEY' || label === 'RSA PRIVATE KEY') {
        if (privateKey) throw new KeyFileError(file, 'holds more than one private key');
        privateKey = createPrivateKey(block);
      } else if (label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY') {
        if (publicKey) throw new KeyFileError(file, 'holds more than one public key');
        publicKey = createPublicKey(block);
      } else if (label === 'CERTIFICATE') {
        if (publicKey) throw new KeyFileError(file, 'holds more than one public key');
        publicKey = new X509Certificate(block).publicKey;
      } else if (label === 'ENCRYPTED PRIVATE KEY') {
        throw new KeyFileError(
          file,
          'holds an encrypted private key; store it unencrypted with mode 0600',
        );
      } else {
        throw new KeyFileError(file, `holds an unsupported PEM block "${label}"`);
      }
    } catch (error) {
      if (error instanceof KeyFileError) throw error;
      throw new KeyFileError(
        file,
        `has a ${label} block that cannot be parsed (${(error as Error).message})`,
      );
    }
  }

  const derived = privateKey ? createPublicKey(privateKey) : null;
  if (publicKey && derived && !sameKey(publicKey, derived)) {
    throw new KeyFileError(file, 'holds a public key that does not match its private key');
  }
  const pair = { privateKey, publicKey: (publicKey ?? derived) as KeyObject };
  assertUsableRsaKey(file, pair.publicKey);
  return pair;
}

function assertUsableRsaKey(file: string, key: KeyObject): void {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new KeyFileError(
      file,
      `holds a ${key.asymmetricKeyType ?? 'unknown'} key; RSA keys are required`,
    );
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) {
    throw new KeyFileError(
      file,
      `holds a ${bits}-bit RSA key; at least ${MIN_RSA_BITS} bits are required`,
    );
  }
}

function sameKey(a: KeyObject, b: KeyObject): boolean {
  return a
    .export({ type: 'spki', format: 'der' })
    .equals(b.export({ type: 'spki', format: 'der' }));
}
