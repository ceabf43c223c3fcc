import { generateKeyPair } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import type { KeyFileMap, SsoConfig } from '@nest-sso/config';
import { KeyConfigurationError, KeyFileError } from './keys.errors';
import { KeySet, SigningKey, VerificationKey } from './key-set';
import { parsePemKeyFile, PemKeyPair } from './pem-key-file';

type KeyConfig = Pick<
  SsoConfig,
  'nodeEnv' | 'identity' | 'keyStoreRoot' | 'privateKeys' | 'publicKeys' | 'encodeAlgorithm'
>;

export interface LoadKeySetResult {
  keySet: KeySet;
  /** The file generated because no key existed (development only), if any. */
  generatedFile: string | null;
}

/**
 * Reads the key store once and builds a `KeySet`.
 *
 * With `SSO_PRIVATE_KEYS`/`SSO_PUBLIC_KEYS` unset, the store's `<identity>-*.pem` files are used,
 * newest name first; outside production, a first key is generated when there is none.
 * Every problem is reported with the file it concerns.
 */
export async function loadKeySet(config: KeyConfig): Promise<LoadKeySetResult> {
  const root = resolve(config.keyStoreRoot);
  let privateKeys = config.privateKeys;
  const publicKeys = config.publicKeys;
  let generatedFile: string | null = null;

  if (privateKeys === null && publicKeys === null) {
    let files = await conventionalKeyFiles(root, config.identity);
    if (files.length === 0) {
      if (config.nodeEnv === 'production') {
        throw new KeyConfigurationError(
          `No signing key for issuer "${config.identity}": set SSO_PRIVATE_KEYS, or put ` +
            `${keyFilePrefix(config.identity)}<yyyymmdd>.pem in ${root} ` +
            '(openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048)',
        );
      }
      generatedFile = await generateDevKey(root, config.identity);
      files = [relative(root, generatedFile)];
    }
    privateKeys = { [config.identity]: files };
  }

  const cache = new Map<string, PemKeyPair>();
  const read = async (file: string): Promise<PemKeyPair> => {
    let pair = cache.get(file);
    if (!pair) cache.set(file, (pair = await readKeyFile(root, file)));
    return pair;
  };

  const signing = new Map<string, SigningKey>();
  const verification: VerificationKey[] = [];
  const seen = new Set<string>();
  const addVerification = (issuer: string, file: string, pair: PemKeyPair) => {
    const kid = kidOf(file);
    if (seen.has(`${issuer}\0${kid}`)) return;
    seen.add(`${issuer}\0${kid}`);
    verification.push({ issuer, kid, publicKey: pair.publicKey });
  };

  for (const [issuer, files] of Object.entries(privateKeys ?? {})) {
    for (const [index, file] of files.entries()) {
      const pair = await read(file);
      if (!pair.privateKey) {
        throw new KeyFileError(
          resolve(root, file),
          `is listed in SSO_PRIVATE_KEYS for "${issuer}" but holds no private key`,
        );
      }
      if (index === 0) {
        signing.set(issuer, {
          issuer,
          kid: kidOf(file),
          algorithm: config.encodeAlgorithm,
          privateKey: pair.privateKey,
        });
      }
      addVerification(issuer, file, pair);
    }
  }
  for (const [issuer, files] of Object.entries(publicKeys ?? ({} satisfies KeyFileMap))) {
    for (const file of files) addVerification(issuer, file, await read(file));
  }

  if (!signing.has(config.identity)) {
    throw new KeyConfigurationError(
      `SSO_PRIVATE_KEYS has no key for this server's identity "${config.identity}": it cannot sign tokens`,
    );
  }
  return {
    keySet: new KeySet(signing, verification, {
      issuer: config.identity,
      algorithm: config.encodeAlgorithm,
    }),
    generatedFile,
  };
}

/** DRF-SSO's key id: the file name relative to the key store root, without `.pem`. */
export function kidOf(file: string): string {
  return file
    .split(sep)
    .join('/')
    .replace(/\.pem$/, '');
}

/** File-name prefix of an issuer's keys: the identity with characters unsafe in names replaced. */
export function keyFilePrefix(identity: string): string {
  return `${identity.replace(/[^A-Za-z0-9._-]/g, '_')}-`;
}

async function readKeyFile(root: string, file: string): Promise<PemKeyPair> {
  const path = resolve(root, file);
  if (isAbsolute(file) || relative(root, path).startsWith('..')) {
    throw new KeyFileError(file, `must be a path inside the key store root ${root}`);
  }
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new KeyFileError(
      path,
      code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`,
    );
  }
  return parsePemKeyFile(path, content);
}

async function conventionalKeyFiles(root: string, identity: string): Promise<string[]> {
  const prefix = keyFilePrefix(identity);
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  // Newest first: the date in the name sorts, so the most recent key signs.
  return names
    .filter((name) => name.startsWith(prefix) && name.endsWith('.pem'))
    .sort()
    .reverse();
}

async function generateDevKey(root: string, identity: string): Promise<string> {
  const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
  });
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  const path = join(root, `${keyFilePrefix(identity)}${day}.pem`);
  const pem =
    privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() +
    publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await mkdir(root, { recursive: true });
  await writeFile(path, pem, { mode: 0o600, flag: 'wx' });
  return path;
}
