import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AuthModuleOptions } from '@nest-sso/auth';
import { createApp } from '../../apps/identity-server/src/create-app';
import { makeKeyStoreDir, TestKey, writeTestKey } from './key-store';
import { TEST_DATABASE_URL } from './test-database';

export const TEST_IDENTITY = 'https://sso.test';

export interface TestApp {
  app: NestExpressApplication;
  /** The key the server signs with. */
  key: TestKey;
  keyDir: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Writes more keys into the key store and returns the settings that name them. */
  keys?: (keyDir: string) => Record<string, string>;
  auth?: AuthModuleOptions;
}

/**
 * Boots the real identity server (same module, pipeline and transport settings as `main.ts`)
 * against the test PostgreSQL database, with a freshly generated signing key.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const keyDir = makeKeyStoreDir();
  const key = writeTestKey(keyDir, 'sso-test-20260101');
  const app = await createApp({
    env: {
      NODE_ENV: 'test',
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_POOL_SIZE: '4',
      SSO_MIGRATE_ON_START: 'false',
      SSO_IDENTITY: TEST_IDENTITY,
      SSO_KEY_STORE_ROOT: keyDir,
      SSO_PRIVATE_KEYS: JSON.stringify({ [TEST_IDENTITY]: [key.file] }),
      ...options.env,
      ...options.keys?.(keyDir),
    },
    auth: options.auth,
  });
  await app.init();
  return { app, key, keyDir, close: () => app.close() };
}
