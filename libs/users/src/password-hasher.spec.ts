import { describe, expect, it } from 'vitest';
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

  it('should fail closed on a corrupt stored hash', async () => {
    await expect(hasher.verify('not-a-hash', 's3cret')).resolves.toBe(false);
  });

  it('should spend a real verification on the dummy hash', async () => {
    await hasher.onModuleInit();
    await expect(hasher.verifyDummy('anything')).resolves.toBe(false);
  });
});
