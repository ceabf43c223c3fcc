import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SsoConfig } from '@nest-sso/config';

/** The file in the embedded database's folder (`SSO_DATA_DIR`) that keeps the generated key. */
export const COOKIE_KEY_FILE = 'oidc-cookie-key';

/** Shortest key accepted from the file: what SSO_OIDC_COOKIE_KEYS accepts. */
const MIN_LENGTH = 32;

/**
 * The keys that sign oidc-provider's browser cookies (its session and interaction cookies) and
 * the hosted pages' CSRF tokens, newest first: `SSO_OIDC_COOKIE_KEYS` when set. Otherwise one
 * generated key (32 random bytes, base64url):
 * - on the embedded database, kept in `<SSO_DATA_DIR>/oidc-cookie-key` (mode 0600, created on the
 *   first start) and read again at every start. A key per process would make each restart
 *   forget every browser's sign-in: the provider no longer trusts its own session cookie and
 *   asks for the password again, though the nest-sso session behind the SSO cookie lives on.
 *   The folder already holds the database and is private to the server's user; a server or the
 *   CLI reaching the database through the socket reads the same file;
 * - on PostgreSQL, a random key per process (shared by its workers, see `main.ts`): production
 *   sets `SSO_OIDC_COOKIE_KEYS`, the same on every replica.
 *
 * Throws if the file exists but holds no usable key (it names the file).
 */
export function oidcCookieKeys(
  config: Pick<SsoConfig, 'oidcCookieKeys'> & {
    database: Pick<SsoConfig['database'], 'url' | 'dataDir'>;
  },
): string[] {
  if (config.oidcCookieKeys) return config.oidcCookieKeys;
  if (config.database.url !== null) return [randomBytes(32).toString('base64url')];
  const dir = resolve(config.database.dataDir);
  const file = join(dir, COOKIE_KEY_FILE);
  let key = readKey(file);
  if (key === null) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Written aside, then linked into place (atomic, and refused if the file exists): of two
    // processes starting at once, one key wins and neither reads a half-written file.
    const draft = `${file}.${process.pid}.tmp`;
    writeFileSync(draft, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
    try {
      linkSync(draft, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(draft, { force: true });
    }
    key = readKey(file);
  }
  if (key === null || key.length < MIN_LENGTH) {
    throw new Error(
      `${file} holds no OpenID Connect cookie key (${MIN_LENGTH}+ characters): delete it to generate a new one`,
    );
  }
  return [key];
}

/** The file's key (trimmed), or `null` if there is no file. */
function readKey(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
