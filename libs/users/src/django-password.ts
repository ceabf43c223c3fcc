import { pbkdf2, scrypt, createHash, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { verify as argon2Verify } from '@node-rs/argon2';
import { verify as bcryptVerify } from '@node-rs/bcrypt';

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt) as (
  password: Buffer,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/**
 * Bounds on the work a stored hash may ask for: imported hashes come from another system, and a
 * corrupt or hostile one must not make one login cost minutes (Django 5.2 uses 1,000,000 PBKDF2
 * iterations and scrypt N = 2^14).
 */
const MAX_PBKDF2_ITERATIONS = 10_000_000;
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

/** The Django hashers nest-sso verifies natively, by their `algorithm` prefix. */
export const DJANGO_ALGORITHMS = [
  'pbkdf2_sha256',
  'pbkdf2_sha1',
  'argon2',
  'bcrypt_sha256',
  'bcrypt',
  'scrypt',
] as const;

/** Whether `encoded` is a hash in one of Django's formats that `verifyDjangoPassword` checks. */
export function isDjangoHash(encoded: string): boolean {
  const algorithm = encoded.slice(0, encoded.indexOf('$'));
  return (DJANGO_ALGORITHMS as readonly string[]).includes(algorithm);
}

/**
 * Checks `password` against a hash stored by Django's `make_password`
 * (`<algorithm>$<parameters>$<salt>$<hash>`, django/contrib/auth/hashers.py), for users imported
 * from djangorestframework-sso. Digests are compared in constant time. An unusable password
 * (`!…`), an unknown algorithm or a malformed hash never verifies.
 */
export async function verifyDjangoPassword(encoded: string, password: string): Promise<boolean> {
  const parts = encoded.split('$');
  switch (parts[0]) {
    case 'pbkdf2_sha256':
    case 'pbkdf2_sha1':
      return verifyPbkdf2(parts, password);
    case 'argon2':
      // `argon2$argon2id$v=19$m=…,t=…,p=…$salt$hash`: the rest is a PHC string.
      return argon2Verify(encoded.slice('argon2'.length), password);
    case 'bcrypt_sha256':
      // Django hashes the password with SHA-256 first (hex digest), so bcrypt's 72-byte limit
      // does not cut long passwords.
      return bcryptVerify(
        createHash('sha256').update(password, 'utf8').digest('hex'),
        encoded.slice('bcrypt_sha256$'.length),
      );
    case 'bcrypt':
      return bcryptVerify(password, encoded.slice('bcrypt$'.length));
    case 'scrypt':
      return verifyScrypt(parts, password);
    default:
      return false;
  }
}

/** `pbkdf2_sha256$<iterations>$<salt>$<base64 digest>` (key length = the digest's size). */
async function verifyPbkdf2(parts: string[], password: string): Promise<boolean> {
  if (parts.length !== 4) return false;
  const [algorithm, iterationsText, salt, digest] = parts;
  const iterations = Number(iterationsText);
  if (!/^\d+$/.test(iterationsText) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
    return false;
  }
  const hash = algorithm === 'pbkdf2_sha256' ? 'sha256' : 'sha1';
  const expected = Buffer.from(digest, 'base64');
  const length = hash === 'sha256' ? 32 : 20;
  if (expected.length !== length) return false;
  const actual = await pbkdf2Async(
    Buffer.from(password, 'utf8'),
    Buffer.from(salt, 'utf8'),
    iterations,
    length,
    hash,
  );
  return timingSafeEqual(actual, expected);
}

/** Django 4.0+: `scrypt$<N>$<salt>$<r>$<p>$<base64 digest>`, a 64-byte key. */
async function verifyScrypt(parts: string[], password: string): Promise<boolean> {
  if (parts.length !== 6) return false;
  const [, nText, salt, rText, pText, digest] = parts;
  const [N, r, p] = [nText, rText, pText].map(Number);
  if (![nText, rText, pText].every((v) => /^\d+$/.test(v)) || N < 2 || r < 1 || p < 1) return false;
  const maxmem = 128 * N * r * p + 1024 * 1024;
  if (maxmem > MAX_SCRYPT_MEMORY) return false;
  const expected = Buffer.from(digest, 'base64');
  if (expected.length !== 64) return false;
  try {
    const actual = await scryptAsync(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), 64, {
      N,
      r,
      p,
      maxmem,
    });
    return timingSafeEqual(actual, expected);
  } catch {
    // N not a power of two, or other parameters scrypt refuses.
    return false;
  }
}
