import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COOKIE_KEY_FILE, oidcCookieKeys } from './oidc-cookie-keys';

const embedded = (dataDir: string) => ({
  oidcCookieKeys: null,
  database: { url: null, dataDir },
});

describe(oidcCookieKeys.name, () => {
  it('should use SSO_OIDC_COOKIE_KEYS when set, whatever the database', () => {
    const keys = ['k'.repeat(32), 'l'.repeat(32)];
    expect(oidcCookieKeys({ ...embedded('/nonexistent'), oidcCookieKeys: keys })).toBe(keys);
  });

  it('should give a random key per process on PostgreSQL, and write no file', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nest-sso-cookie-keys-'));
    const config = { oidcCookieKeys: null, database: { url: 'postgres://db/sso', dataDir } };
    const [first] = oidcCookieKeys(config);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(oidcCookieKeys(config)[0]).not.toBe(first);
    expect(() => statSync(join(dataDir, COOKIE_KEY_FILE))).toThrow();
  });

  it('should keep the generated key in the embedded data folder (0600) and read it at the next start', () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'nest-sso-cookie-keys-')), 'data');
    const [first] = oidcCookieKeys(embedded(dataDir));
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const file = join(dataDir, COOKIE_KEY_FILE);
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dataDir)).toEqual([COOKIE_KEY_FILE]);
    // The next start (or a process reaching the database through the socket): the same key.
    expect(oidcCookieKeys(embedded(dataDir))).toEqual([first]);
  });

  it('should use the key another process wrote first', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nest-sso-cookie-keys-'));
    const theirs = 'x'.repeat(43);
    writeFileSync(join(dataDir, COOKIE_KEY_FILE), `${theirs}\n`, { mode: 0o600 });
    expect(oidcCookieKeys(embedded(dataDir))).toEqual([theirs]);
  });

  it('should refuse a key file that holds no usable key, naming the file', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nest-sso-cookie-keys-'));
    const file = join(dataDir, COOKIE_KEY_FILE);
    writeFileSync(file, 'short\n');
    chmodSync(file, 0o600);
    expect(() => oidcCookieKeys(embedded(dataDir))).toThrow(
      `${file} holds no OpenID Connect cookie key (32+ characters): delete it to generate a new one`,
    );
  });
});
