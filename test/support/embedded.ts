import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../apps/identity-server/src/create-app';

/**
 * The identity server as `npm start` runs it on a fresh machine: no DATABASE_URL, so the
 * embedded database, created and migrated in `<root>/data`, and keys in `<root>/keys`. `root` is
 * a new scratch folder named after `prefix`.
 */
export async function startEmbeddedApp(
  prefix: string,
): Promise<{ app: NestFastifyApplication; root: string }> {
  const root = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const app = await createApp({
    env: {
      NODE_ENV: 'test',
      SSO_DATA_DIR: join(root, 'data'),
      SSO_KEY_STORE_ROOT: join(root, 'keys'),
    },
  });
  return { app, root };
}
