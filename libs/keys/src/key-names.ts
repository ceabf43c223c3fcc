import { sep } from 'node:path';

/** Name of the optional key-list file in the key store root; unlike settings, it is reloaded live. */
export const KEY_LISTS_FILE = 'keys.json';

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
