import { generateKeyPair, KeyObject } from 'node:crypto';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { SsoConfig } from '@nest-sso/config';
import { KEY_LISTS_FILE, keyFilePrefix, kidOf } from './key-names';

/** Key types `keys:generate` makes; RSA keys sign with `SSO_ENCODE_ALGORITHM`. */
export type KeyKind = 'RS256' | 'ES256' | 'EdDSA';

export interface GenerateKeyOptions {
  issuer: string;
  kind: KeyKind;
  /** RSA modulus length. */
  bits: 2048 | 3072 | 4096;
  /** When the key starts signing; `null` for at once. */
  activateAt: Date | null;
}

export interface GeneratedKey {
  path: string;
  kid: string;
  /** Whether the store's keys.json was updated to list the key (first, so that it signs when active). */
  listed: boolean;
}

/**
 * Writes a new key file (private and public key, mode 0600) named after its activation time, so
 * that names sort in activation order: `<issuer>-<yyyymmddHHMMSS>.pem`. The `Activate-At:` line
 * keeps it pending (published, not signing) until then. If the store has a keys.json, the key is
 * put first in that issuer's private key list.
 */
export async function generateKeyFile(
  config: Pick<SsoConfig, 'keyStoreRoot'>,
  options: GenerateKeyOptions,
): Promise<GeneratedKey> {
  const root = resolve(config.keyStoreRoot);
  const { privateKey, publicKey } = await newKeyPair(options);
  const stamp = (options.activateAt ?? new Date()).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const path = join(root, `${keyFilePrefix(options.issuer)}${stamp}.pem`);
  const header = options.activateAt ? `Activate-At: ${options.activateAt.toISOString()}\n` : '';
  await mkdir(root, { recursive: true });
  // Written aside and linked into place, so that a server reloading meanwhile never reads half a
  // key; link() fails rather than overwrite an existing key.
  const temporary = join(root, `.${basename(path)}.${process.pid}.tmp`);
  await writeFile(temporary, header + pemOf(privateKey, publicKey), { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, path);
  } finally {
    await unlink(temporary);
  }
  const kid = kidOf(relative(root, path));
  return { path, kid, listed: await listFirst(root, options.issuer, relative(root, path)) };
}

/** Generates the first key of a development server: RSA 2048, active at once, dated today. */
export async function generateDevKeyFile(root: string, identity: string): Promise<string> {
  const { privateKey, publicKey } = await newKeyPair({ kind: 'RS256', bits: 2048 });
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  const path = join(root, `${keyFilePrefix(identity)}${day}.pem`);
  await mkdir(root, { recursive: true });
  await writeFile(path, pemOf(privateKey, publicKey), { mode: 0o600, flag: 'wx' });
  return path;
}

async function newKeyPair(options: Pick<GenerateKeyOptions, 'kind' | 'bits'>) {
  const generate = promisify(generateKeyPair);
  switch (options.kind) {
    case 'ES256':
      return generate('ec', { namedCurve: 'P-256' });
    case 'EdDSA':
      return generate('ed25519');
    case 'RS256':
      return generate('rsa', { modulusLength: options.bits });
  }
}

function pemOf(privateKey: KeyObject, publicKey: KeyObject): string {
  return (
    privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() +
    publicKey.export({ type: 'spki', format: 'pem' }).toString()
  );
}

/** Puts `file` first in the issuer's private key list of keys.json, if the store has one. */
async function listFirst(root: string, issuer: string, file: string): Promise<boolean> {
  const path = join(root, KEY_LISTS_FILE);
  let lists: { private_keys?: Record<string, string | string[]> };
  try {
    lists = JSON.parse(await readFile(path, 'utf8')) as typeof lists;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const privateKeys = (lists.private_keys ??= {});
  const current = privateKeys[issuer] ?? [];
  privateKeys[issuer] = [file, ...(typeof current === 'string' ? [current] : current)];
  // Write-then-rename, so that a server reloading meanwhile never reads half a file.
  await writeFile(`${path}.tmp`, `${JSON.stringify(lists, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
  return true;
}
