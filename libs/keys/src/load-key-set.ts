import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ConfigError, KeyFileMap, SsoConfig, toKeyFileMap } from '@nest-sso/config';
import { algorithmFor } from './key-algorithm';
import { generateDevKeyFile } from './key-files';
import { KEY_LISTS_FILE, keyFilePrefix, kidOf } from './key-names';
import { KeySet, ManagedKey } from './key-set';
import { KeyConfigurationError, KeyFileError } from './keys.errors';
import { parsePemKeyFile } from './pem-key-file';

export type KeyConfig = Pick<
  SsoConfig,
  'nodeEnv' | 'identity' | 'keyStoreRoot' | 'privateKeys' | 'publicKeys' | 'encodeAlgorithm'
> &
  Partial<Pick<SsoConfig, 'decodeAlgorithms'>>;

export interface LoadKeySetResult {
  keySet: KeySet;
  /** The file generated because no key existed (development only), if any. */
  generatedFile: string | null;
}

interface KeyLists {
  privateKeys: KeyFileMap;
  publicKeys: KeyFileMap;
}

/**
 * Reads the key store and builds a `KeySet`. The key lists come from, in order of precedence:
 * `SSO_PRIVATE_KEYS`/`SSO_PUBLIC_KEYS`; the store's `keys.json`; or else the store's
 * `<identity>-*.pem` files, newest name first (outside production a first key is generated when
 * there is none). Every problem is reported with the file it concerns.
 */
export async function loadKeySet(
  config: KeyConfig,
  options: { generate?: boolean } = {},
): Promise<LoadKeySetResult> {
  const root = resolve(config.keyStoreRoot);
  let generatedFile: string | null = null;
  let lists = await configuredLists(config, root);
  if (lists === null) {
    let files = await conventionalKeyFiles(root, config.identity);
    if (files.length === 0 && (options.generate ?? true)) {
      if (config.nodeEnv === 'production') {
        throw new KeyConfigurationError(
          `No signing key for issuer "${config.identity}": set SSO_PRIVATE_KEYS, or put ` +
            `${keyFilePrefix(config.identity)}<yyyymmdd>.pem in ${root} (create one with the CLI command keys:generate)`,
        );
      }
      generatedFile = await generateDevKeyFile(root, config.identity);
      files = [relative(root, generatedFile)];
    }
    lists = { privateKeys: { [config.identity]: files }, publicKeys: {} };
  }

  const keys: ManagedKey[] = [];
  const parsed = new Map<string, Omit<ManagedKey, 'issuer'>>();
  const read = async (issuer: string, file: string, signing: boolean) => {
    let key = parsed.get(file);
    if (!key) parsed.set(file, (key = await readKey(root, file, config.encodeAlgorithm)));
    const allowed = config.decodeAlgorithms;
    if (allowed && !allowed.includes(key.algorithm)) {
      // Such a key could never verify a token: refuse it now rather than fail every request.
      throw new KeyFileError(
        key.file,
        `is a ${key.algorithm} key, which SSO_DECODE_ALGORITHMS (${allowed.join(', ')}) does not allow`,
      );
    }
    keys.push({ ...key, issuer, privateKey: signing ? key.privateKey : null });
  };
  for (const [issuer, files] of Object.entries(lists.privateKeys)) {
    for (const file of files) await read(issuer, file, true);
  }
  for (const [issuer, files] of Object.entries(lists.publicKeys)) {
    for (const file of files) await read(issuer, file, false);
  }

  const keySet = new KeySet(keys, config.identity);
  if (!keySet.signingKey(config.identity)) {
    const listed = lists.privateKeys[config.identity] ?? [];
    throw new KeyConfigurationError(
      listed.length === 0
        ? `No private key is listed for this server's identity "${config.identity}": it cannot sign tokens`
        : `No key can sign for "${config.identity}" now: none of ${listed.join(', ')} holds a private ` +
            'key whose activation time has come',
    );
  }
  return { keySet, generatedFile };
}

async function configuredLists(config: KeyConfig, root: string): Promise<KeyLists | null> {
  if (config.privateKeys !== null || config.publicKeys !== null) {
    return { privateKeys: config.privateKeys ?? {}, publicKeys: config.publicKeys ?? {} };
  }
  const path = join(root, KEY_LISTS_FILE);
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new KeyFileError(
      path,
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  try {
    const json = JSON.parse(raw) as { private_keys?: unknown; public_keys?: unknown };
    return {
      privateKeys: toKeyFileMap('private_keys', json.private_keys ?? {}),
      publicKeys: toKeyFileMap('public_keys', json.public_keys ?? {}),
    };
  } catch (error) {
    const reason =
      error instanceof ConfigError
        ? error.message.replace('Invalid configuration: ', '')
        : 'is not valid JSON';
    throw new KeyFileError(
      path,
      `${reason} (expected {"private_keys": {...}, "public_keys": {...}})`,
    );
  }
}

async function readKey(
  root: string,
  file: string,
  rsaAlgorithm: KeyConfig['encodeAlgorithm'],
): Promise<Omit<ManagedKey, 'issuer'>> {
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
  const pair = parsePemKeyFile(path, content);
  return {
    kid: kidOf(file),
    file: path,
    algorithm: algorithmFor(path, pair.publicKey, rsaAlgorithm),
    publicKey: pair.publicKey,
    privateKey: pair.privateKey,
    activateAt: pair.activateAt,
    fingerprint: createHash('sha256')
      .update(pair.publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64url'),
  };
}

async function conventionalKeyFiles(root: string, identity: string): Promise<string[]> {
  const prefix = keyFilePrefix(identity);
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  // Newest first: the date in the name sorts, so the most recent key comes first.
  return names
    .filter((name) => name.startsWith(prefix) && name.endsWith('.pem'))
    .sort()
    .reverse();
}
