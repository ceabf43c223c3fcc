import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import type { AuthModuleOptions } from '@nest-sso/auth';
import { createApp } from '../../apps/identity-server/src/create-app';
import { makeKeyStoreDir, TestKey, writeTestKey } from './key-store';
import { TEST_DATABASE_URL } from './test-database';

export const TEST_IDENTITY = 'https://sso.test';

export interface TestApp {
  app: NestFastifyApplication;
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
  /** Where the server's log lines go (default: standard output, at level warn). */
  logDestination?: DestinationStream;
  /** Shares the key store of another test app instead of making a new one. */
  share?: Pick<TestApp, 'key' | 'keyDir'>;
}

/** Settings that make the server read its key lists from the store's keys.json (reloaded live). */
export function useKeysJson(keyDir: string, privateKeys: string[]): Record<string, string> {
  writeFileSync(
    join(keyDir, 'keys.json'),
    JSON.stringify({ private_keys: { [TEST_IDENTITY]: privateKeys } }),
  );
  return { SSO_PRIVATE_KEYS: '' };
}

/**
 * Boots the real identity server (same module, pipeline and transport settings as `main.ts`)
 * against the test PostgreSQL database, with a freshly generated signing key.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const keyDir = options.share?.keyDir ?? makeKeyStoreDir();
  const key = options.share?.key ?? writeTestKey(keyDir, 'sso-test-20260101');
  const app = await createApp({
    env: {
      NODE_ENV: 'test',
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_POOL_SIZE: '4',
      SSO_MIGRATE_ON_START: 'false',
      SSO_IDENTITY: TEST_IDENTITY,
      SSO_KEY_STORE_ROOT: keyDir,
      SSO_PRIVATE_KEYS: JSON.stringify({ [TEST_IDENTITY]: [key.file] }),
      // Every suite logs in from 127.0.0.1; the rate-limit suite turns the limits back on.
      SSO_RATE_LIMIT_LOGIN: '0',
      SSO_RATE_LIMIT_AUTHORIZE: '0',
      ...options.env,
      ...options.keys?.(keyDir),
    },
    auth: options.auth,
    logDestination: options.logDestination,
  });
  return { app, key, keyDir, close: () => app.close() };
}
