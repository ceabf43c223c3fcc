import { createPrivateKey, createPublicKey, KeyObject, X509Certificate } from 'node:crypto';
import { KeyFileError } from './keys.errors';

/** The keys held by one PEM file: a public key always, and the private key if the file has one. */
export interface PemKeyPair {
  privateKey: KeyObject | null;
  publicKey: KeyObject;
  /** When the key may start signing (`Activate-At:` line of the file); `null` means now. */
  activateAt: Date | null;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
const PRIVATE_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY']);
const PUBLIC_LABELS = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY']);
/** RFC 7468 allows explanatory text outside PEM blocks; this line carries a key's activation time. */
const ACTIVATE_AT = /^Activate-At:[ \t]*(\S+)[ \t]*$/m;

/**
 * Parses a PEM file that holds a private key, a public key or certificate, or both (DRF-SSO's
 * combined files). Accepts PKCS#8, PKCS#1 and SEC1 private keys and SPKI, PKCS#1 and X.509 public
 * keys. A private-only file yields its public key. Refuses encrypted keys and files whose two
 * halves do not belong together; `algorithmFor` then decides whether the key type is usable.
 */
export function parsePemKeyFile(file: string, content: string): PemKeyPair {
  let privateKey: KeyObject | null = null;
  let publicKey: KeyObject | null = null;
  const blocks = [...content.matchAll(PEM_BLOCK)];
  if (blocks.length === 0)
    throw new KeyFileError(file, 'holds no PEM block (expected -----BEGIN ... KEY-----)');

  for (const [block, label] of blocks) {
    try {
      if (PRIVATE_LABELS.has(label)) {
        if (privateKey) throw new KeyFileError(file, 'holds more than one private key');
        privateKey = createPrivateKey(block);
      } else if (PUBLIC_LABELS.has(label)) {
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
  return {
    privateKey,
    publicKey: (publicKey ?? derived) as KeyObject,
    activateAt: activationOf(file, content),
  };
}

function activationOf(file: string, content: string): Date | null {
  const outside = content.replace(PEM_BLOCK, '');
  const match = ACTIVATE_AT.exec(outside);
  if (!match) return null;
  const date = new Date(match[1]);
  if (Number.isNaN(date.getTime())) {
    throw new KeyFileError(
      file,
      `has an Activate-At time that is not an ISO 8601 date ("${match[1]}")`,
    );
  }
  return date;
}

function sameKey(a: KeyObject, b: KeyObject): boolean {
  return a
    .export({ type: 'spki', format: 'der' })
    .equals(b.export({ type: 'spki', format: 'der' }));
}
