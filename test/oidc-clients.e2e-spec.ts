import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import { DataSource } from 'typeorm';
import { createCliContext, runCli } from '@nest-sso/cli';
import request from 'supertest';
import { createUser } from './support/factories';
import { adminCredential } from './support/http';
import { discover, OidcTestApp, startOidcApp } from './support/oidc';
import { TEST_DATABASE_URL } from './support/test-database';

describe('clients:* commands', () => {
  const env = { NODE_ENV: 'test', DATABASE_URL: TEST_DATABASE_URL, SSO_MIGRATE_ON_START: 'false' };
  let t: OidcTestApp;
  beforeAll(async () => {
    t = await startOidcApp();
  });
  afterAll(() => t.close());

  const cli = async (argv: string[]) => {
    let out = '';
    let err = '';
    const code = await runCli(
      argv,
      createCliContext(env, (text) => (err += text)),
      { out: (text) => (out += text), err: (text) => (err += text) },
    );
    return { code, out: out.trimEnd(), err: err.trimEnd() };
  };

  it('should register, list, update, rotate and delete a client, auditing each change', async () => {
    const created = await cli([
      'clients:create',
      '--name',
      'Reports',
      '--redirect-uri',
      'https://reports.example/callback',
      '--redirect-uri',
      'http://127.0.0.1:4000/callback',
      '--permissions',
      'reports:read',
    ]);
    expect(created.code).toBe(0);
    const id = /Created client ([0-9a-f-]{36}) "Reports" \(confidential\)/.exec(created.out)![1];
    const secret = /Client secret \(shown once\): (\S+)/.exec(created.out)![1];

    const token = await oidc.clientCredentialsGrant(await discover(t, id, secret));
    expect(decodeJwt(token.access_token).scopes).toEqual(['reports:read']);

    const listed = await cli(['clients:list', '--json']);
    const { clients } = JSON.parse(listed.out) as {
      clients: { id: string; redirectUris: string[] }[];
    };
    const mine = clients.find((c) => c.id === id)!;
    expect(mine.redirectUris).toEqual([
      'https://reports.example/callback',
      'http://127.0.0.1:4000/callback',
    ]);
    expect(listed.out).not.toContain(secret);

    expect(
      (await cli(['clients:update', id, '--permissions', 'reports:read,reports:export'])).code,
    ).toBe(0);
    const rotated = await cli(['clients:rotate-secret', id]);
    const newSecret = /Client secret \(shown once\): (\S+)/.exec(rotated.out)![1];
    await expect(oidc.clientCredentialsGrant(await discover(t, id, secret))).rejects.toMatchObject({
      status: 401,
    });
    const scoped = await oidc.clientCredentialsGrant(await discover(t, id, newSecret));
    expect(decodeJwt(scoped.access_token).scopes).toEqual(['reports:read', 'reports:export']);

    expect((await cli(['clients:delete', id])).code).toBe(0);
    expect((await cli(['clients:delete', id])).code).toBe(3);
    const events = await t.app
      .get(DataSource)
      .query<{ reason: string; via: string }[]>(
        `SELECT reason, via FROM auth_events WHERE reason LIKE $1 ORDER BY id`,
        [`%:${id}`],
      );
    expect(events.map((e) => e.reason.split(':')[0])).toEqual([
      'client_created',
      'client_updated',
      'client_secret_rotated',
      'client_deleted',
    ]);
    expect(events.every((e) => e.via === 'cli')).toBe(true);
  });

  it('should refuse redirect URIs with a fragment or user info, and a missing one (exit 2, nothing written)', async () => {
    const before = await t.app
      .get(DataSource)
      .query<{ n: number }[]>(`SELECT count(*)::int AS n FROM oidc_clients`);
    for (const uri of [
      'https://a.example/cb#x',
      'https://user@a.example/cb',
      'javascript:alert(1)',
      'cb',
    ]) {
      const result = await cli(['clients:create', '--name', 'Bad', '--redirect-uri', uri]);
      expect(result.code).toBe(2);
    }
    expect((await cli(['clients:create', '--name', 'None'])).code).toBe(2);
    const after = await t.app
      .get(DataSource)
      .query<{ n: number }[]>(`SELECT count(*)::int AS n FROM oidc_clients`);
    expect(after[0].n).toBe(before[0].n);
  });

  it('should offer the same operations in the admin API, the secret shown once', async () => {
    const admin = await createUser(t.app, { permissions: ['sso:admin'] });
    const token = await adminCredential(t.app, admin.email);
    const api = () => request(t.app.getHttpServer());
    const created = await api()
      .post('/admin/clients')
      .set('Authorization', `JWT ${token}`)
      .send({
        name: 'Portal',
        redirectUris: ['https://portal.example/cb'],
        type: 'public',
        firstParty: true,
      })
      .expect(201);
    expect(created.body.clientSecret).toBeNull();
    const id = created.body.client.id as string;
    const shown = await api()
      .get(`/admin/clients/${id}`)
      .set('Authorization', `JWT ${token}`)
      .expect(200);
    expect(shown.body).toMatchObject({ name: 'Portal', type: 'public', firstParty: true });
    expect(JSON.stringify(shown.body)).not.toMatch(/secret/i);
    const refused = await api()
      .post('/admin/clients')
      .set('Authorization', `JWT ${token}`)
      .send({ name: 'Bad', redirectUris: ['https://evil.example/cb#frag'] })
      .expect(400);
    expect(refused.body).toMatchObject({ code: 'validation_failed' });
    const made = await api()
      .patch(`/admin/clients/${id}`)
      .set('Authorization', `JWT ${token}`)
      .send({ type: 'confidential' })
      .expect(200);
    expect(made.body.clientSecret).toEqual(expect.any(String));
    await api().delete(`/admin/clients/${id}`).set('Authorization', `JWT ${token}`).expect(204);
    await api().get(`/admin/clients/${id}`).set('Authorization', `JWT ${token}`).expect(404);
    await api().get('/admin/clients').expect(401);
  });
});
