import { describe, expect, it } from 'vitest';
import { hash as argon2Hash } from '@node-rs/argon2';
import { parseConfig } from '@nest-sso/config';
import { PasswordHasher } from './password-hasher';

describe(PasswordHasher.name, () => {
  const hasher = new PasswordHasher(parseConfig({}));

  it('should hash with argon2id and the configured parameters, and verify', async () => {
    const hash = await hasher.hash('s3cret');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    await expect(hasher.verify(hash, 's3cret')).resolves.toBe(true);
    await expect(hasher.verify(hash, 'S3cret')).resolves.toBe(false);
  });

  it('should verify a password whatever its Unicode form: NFC and NFD are one password', async () => {
    const nfc = 'Pässwörd-Ωmega'.normalize('NFC');
    const nfd = nfc.normalize('NFD');
    expect(nfd).not.toBe(nfc);
    const hash = await hasher.hash(nfd);
    await expect(hasher.check(hash, nfc)).resolves.toEqual({ valid: true, rehash: false });
    await expect(hasher.check(hash, nfd)).resolves.toEqual({ valid: true, rehash: false });
    await expect(hasher.check(hash, 'Passwörd-Ωmega')).resolves.toEqual({
      valid: false,
      rehash: false,
    });
  });

  it('should still verify a hash made from an unnormalised password, and ask for a rehash', async () => {
    const nfd = 'Pässwörd-Ωmega'.normalize('NFD');
    // A hash stored before passwords were normalised: argon2 over the form as typed.
    const legacy = await argon2Hash(nfd, parseConfig({}).argon2);
    await expect(hasher.check(legacy, nfd)).resolves.toEqual({ valid: true, rehash: true });
    await expect(hasher.check(legacy, 'wrong')).resolves.toEqual({ valid: false, rehash: false });
  });

  it('should ask for a rehash of a hash made with other argon2 settings', async () => {
    const cheap = await argon2Hash('s3cret-s3cret', { memoryCost: 8192, timeCost: 1 });
    await expect(hasher.check(cheap, 's3cret-s3cret')).resolves.toEqual({
      valid: true,
      rehash: true,
    });
  });

  it('should fail closed on a corrupt stored hash', async () => {
    await expect(hasher.verify('not-a-hash', 's3cret')).resolves.toBe(false);
  });

  it('should spend a real verification on the dummy hash', async () => {
    await hasher.onModuleInit();
    await expect(hasher.verifyDummy('anything')).resolves.toBe(false);
  });
});
