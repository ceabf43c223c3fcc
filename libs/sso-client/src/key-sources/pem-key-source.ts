import { createPublicKey, KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KeySource, ResolvedKey } from './key-source';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * Public keys from PEM files, with the identity server's kid rules (file name relative to the
 * root, without `.pem`). Every file is read and parsed once, when the source is created; a bad
 * file fails start-up with its name.
 */
export class PemKeySource implements KeySource {
  private readonly keys = new Map<string, Map<string, ResolvedKey[]>>();

  constructor(root: string, publicKeys: Record<string, string | string[]>) {
    for (const [issuer, files] of Object.entries(publicKeys)) {
      const byKid = new Map<string, ResolvedKey[]>();
      for (const file of typeof files === 'string' ? [files] : files) {
        // A PEM file names no algorithm: the key type decides which ones it verifies.
        const key = { key: readPublicKey(resolve(root, file)), algorithm: undefined };
        byKid.set(file.replace(/\.pem$/, ''), [key]);
      }
      this.keys.set(issuer, byKid);
    }
  }

  getKeys(issuer: string, kid: string | undefined): Promise<ResolvedKey[]> {
    const keys = this.keys.get(issuer);
    if (!keys) return Promise.resolve([]);
    return Promise.resolve(kid === undefined ? [...keys.values()].flat() : (keys.get(kid) ?? []));
  }
}

/** The public key of a PEM file holding a public key, a certificate or a private key. */
function readPublicKey(path: string): KeyObject {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(
      `Key file ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  for (const [block, label] of content.matchAll(PEM_BLOCK)) {
    try {
      if (label === 'CERTIFICATE') return new X509Certificate(block).publicKey;
      if (label.endsWith('PUBLIC KEY') || label.endsWith('PRIVATE KEY'))
        return createPublicKey(block);
    } catch (error) {
      throw new Error(
        `Key file ${path}: the ${label} block cannot be parsed (${(error as Error).message})`,
      );
    }
  }
  throw new Error(`Key file ${path}: holds no public key, certificate or private key`);
}
