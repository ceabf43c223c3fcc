import { describe, expect, it } from 'vitest';
import { isDjangoHash, verifyDjangoPassword } from './django-password';

const PASSWORD = 'correct horse ünïcode';

/**
 * Made by Django 3.2's own `make_password(PASSWORD, hasher=…)` (Debian's python3-django, with
 * python3-argon2 and python3-bcrypt); the scrypt one by Django 4.x's `ScryptPasswordHasher.encode`
 * formula on Python's hashlib.scrypt (Django 3.2 has no scrypt hasher).
 */
const DJANGO_HASHES: [string, string][] = [
  [
    'pbkdf2_sha256',
    'pbkdf2_sha256$260000$s8A8pFyALp7T29ijzJTSE1$7JSS1Tywmht8Fnl5SXUIQry3AFiNGjVNZm6t972Va00=',
  ],
  ['pbkdf2_sha1', 'pbkdf2_sha1$260000$24xDqXcL0zQaDAXSUxXQAk$+jSeLcqUzgQjQMVFqdv0OvWWK/M='],
  [
    'argon2',
    'argon2$argon2id$v=19$m=102400,t=2,p=8$NkhVUXYwaFBKTGtWdXREUVBHNW91eg$vQLmHCioJA5bvLWUr5MSYQ',
  ],
  ['bcrypt_sha256', 'bcrypt_sha256$$2b$12$Emht7/o7iRav0MsO3qg9xOyn9Fm3NljjxWvpHfSucsItJ4NeagrWy'],
  ['bcrypt', 'bcrypt$$2b$12$MBMulJ9fB/nGuVWMgAEHtu/VjnGRare4CWU4ATAlhgYXnG7GfSvRW'],
  [
    'scrypt',
    'scrypt$16384$Zq3Pq1yE4dQb0n2vX8kLmA$8$1$/oiJ2bqs+OErH8aJMC9DPUsVK6LCAYdZ3IY9KQ2NGBzOw5FqmEfb2flUN//dHMxQALjKOsukVDz036Xa9dEfIA==',
  ],
];

describe(verifyDjangoPassword.name, () => {
  it.each(DJANGO_HASHES)('should accept the right password for a %s hash', async (_, encoded) => {
    expect(isDjangoHash(encoded)).toBe(true);
    await expect(verifyDjangoPassword(encoded, PASSWORD)).resolves.toBe(true);
  });

  it.each(DJANGO_HASHES)('should refuse a wrong password for a %s hash', async (_, encoded) => {
    await expect(verifyDjangoPassword(encoded, `${PASSWORD}!`)).resolves.toBe(false);
  });

  it.each([
    ['an unusable password', '!FnDJNi6Hu22nYYga367DobapdxR0nnX7KO5aHC78'],
    ['an unknown algorithm', 'md5$salt$0123456789abcdef0123456789abcdef'],
    ['a truncated digest', 'pbkdf2_sha256$260000$s8A8pFyALp7T29ijzJTSE1$7JSS1Tywmht8'],
    ['absurd iterations', 'pbkdf2_sha256$999999999$s$7JSS1Tywmht8Fnl5SXUIQry3AFiNGjVNZm6t972Va00='],
    ['scrypt memory beyond the bound', 'scrypt$1048576$s$64$1$' + 'A'.repeat(86) + '=='],
  ])('should never verify %s', async (_, encoded) => {
    await expect(verifyDjangoPassword(encoded, PASSWORD)).resolves.toBe(false);
  });
});
