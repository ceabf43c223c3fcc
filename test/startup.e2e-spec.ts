import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../apps/identity-server/src/create-app';
import { makeKeyStoreDir, writeTestKey } from './support/key-store';
import { TEST_IDENTITY } from './support/test-app';
import { TEST_DATABASE_URL } from './support/test-database';

/** Start-up must fail fast, with a message naming what is wrong, never a half-working server. */
describe('Start-up with a bad configuration', () => {
  const boot = (env: Record<string, string>) =>
    createApp({
      env: {
        NODE_ENV: 'test',
        DATABASE_URL: TEST_DATABASE_URL,
        SSO_IDENTITY: TEST_IDENTITY,
        ...env,
      },
    });

  it('should name a key file that does not exist', async () => {
    const dir = makeKeyStoreDir();
    await expect(
      boot({
        SSO_KEY_STORE_ROOT: dir,
        SSO_PRIVATE_KEYS: JSON.stringify({ [TEST_IDENTITY]: ['missing.pem'] }),
      }),
    ).rejects.toThrow(`Key file ${join(dir, 'missing.pem')}: does not exist`);
  });

  it('should name a private key file that holds only a public key', async () => {
    const dir = makeKeyStoreDir();
    writeTestKey(dir, 'public-only', 'public');
    await expect(
      boot({
        SSO_KEY_STORE_ROOT: dir,
        SSO_PRIVATE_KEYS: JSON.stringify({ [TEST_IDENTITY]: ['public-only.pem'] }),
      }),
    ).rejects.toThrow(
      `No key can sign for "${TEST_IDENTITY}" now: none of public-only.pem holds a private key`,
    );
  });

  it('should name the variable of a malformed setting', async () => {
    await expect(boot({ SSO_AUTHORIZATION_EXPIRATION: 'five minutes' })).rejects.toThrow(
      'Invalid configuration: SSO_AUTHORIZATION_EXPIRATION must be a whole number',
    );
  });

  it('should require SSO_IDENTITY in production', async () => {
    await expect(
      createApp({ env: { NODE_ENV: 'production', DATABASE_URL: TEST_DATABASE_URL } }),
    ).rejects.toThrow('SSO_IDENTITY is required when NODE_ENV=production');
  });
});
