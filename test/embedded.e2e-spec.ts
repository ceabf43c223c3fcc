import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createUser } from './support/factories';
import { authorize, decodePart, login } from './support/http';
import { startEmbeddedApp } from './support/embedded';

/**
 * What `npm start` does on a fresh machine: no DATABASE_URL, no keys. The embedded database is
 * created and migrated, a development key is generated, and login and authorize work.
 */
describe('Embedded database (no DATABASE_URL)', () => {
  let app: NestFastifyApplication;
  let root: string;
  beforeAll(async () => {
    ({ app, root } = await startEmbeddedApp('nest-sso-embedded'));
  }, 60_000);
  afterAll(() => app.close());

  it('should migrate the embedded database, generate a dev key and serve login and authorize', async () => {
    const keyFiles = readdirSync(join(root, 'keys'));
    expect(keyFiles).toEqual([expect.stringMatching(/^nest-sso-\d{8}\.pem$/)]);

    const user = await createUser(app, { permissions: ['p'] });
    const session = await login(app, user.email);
    expect(decodePart(session, 0).kid).toBe(keyFiles[0].replace(/\.pem$/, ''));
    expect(decodePart(await authorize(app, session), 1)).toMatchObject({
      token: 'auth',
      iss: 'nest-sso',
      scopes: ['p'],
    });
    await request(app.getHttpServer()).get('/.well-known/jwks.json').expect(200);
  });

  it('should serve /metrics, without the pool gauges PostgreSQL alone has', async () => {
    const metrics = await request(app.getHttpServer()).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^nest_sso_key_store_last_reload_ok 1$/m);
    expect(metrics.text).not.toMatch(/^nest_sso_db_pool_connections\{/m);
  });

  it('should serve concurrent logins and authorizations (one PGlite session shared by all queries)', async () => {
    const users = await Promise.all([0, 1, 2, 3].map(() => createUser(app)));
    const sessions = await Promise.all(
      users.flatMap((u) => [login(app, u.email), login(app, u.email), login(app, u.email)]),
    );
    const tokens = await Promise.all(sessions.map((s) => authorize(app, s)));
    expect(new Set(sessions.map((s) => decodePart(s, 1).sid)).size).toBe(12);
    expect(tokens).toHaveLength(12);
  });
});
