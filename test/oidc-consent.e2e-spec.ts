import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { DataSource } from 'typeorm';
import { ClientAdminUseCase } from '@nest-sso/admin';
import { Actors } from '@nest-sso/audit';
import { createCliContext, runCli } from '@nest-sso/cli';
import { ConsentsService } from '@nest-sso/oidc';
import type { User } from '@nest-sso/users';
import { createUser, TEST_PASSWORD } from './support/factories';
import { adminCredential, login } from './support/http';
import {
  csrfOf,
  discover,
  OidcTestApp,
  registerClient,
  startOidcApp,
  TestBrowser,
} from './support/oidc';
import { TEST_DATABASE_URL } from './support/test-database';
import { startEmbeddedApp } from './support/embedded';

const PARTNER_REDIRECT = 'https://partner.example/callback';
const FIRST_REDIRECT = 'https://first.example/callback';
const ADMIN_PASSWORD = 'a long admin password';

/** A relying party of the test server. */
interface App {
  id: string;
  config: oidc.Configuration;
  redirect: string;
}

/** One authorization as a user's browser lives it: the hosted pages it saw, and the tokens. */
interface Flow {
  pages: ('login' | 'consent')[];
  /** The consent page, if one was shown. */
  consentHtml?: string;
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
}

describe('OpenID Connect consent, remembered per user × client', () => {
  let t: OidcTestApp;
  let db: DataSource;
  let partner: App;
  let firstParty: App;
  let admin: string;

  beforeAll(async () => {
    const adminEmail = `consent-admin-${randomUUID().slice(0, 8)}@example.com`;
    t = await startOidcApp({
      env: { SSO_ADMIN_EMAIL: adminEmail, SSO_ADMIN_PASSWORD: ADMIN_PASSWORD },
    });
    db = t.app.get(DataSource);
    const { client: p, secret } = await registerClient(t, {
      name: 'Partner App',
      redirectUris: [PARTNER_REDIRECT],
    });
    partner = { id: p.id, config: await discover(t, p.id, secret!), redirect: PARTNER_REDIRECT };
    const { client: f } = await registerClient(t, {
      name: 'First App',
      redirectUris: [FIRST_REDIRECT],
      type: 'public',
      firstParty: true,
    });
    firstParty = { id: f.id, config: await discover(t, f.id), redirect: FIRST_REDIRECT };
    admin = await adminCredential(t.app, adminEmail, ADMIN_PASSWORD);
  });
  afterAll(() => t.close());

  /**
   * Authorizes `app` in `browser` as `user`, answering the sign-in page and allowing on the
   * consent page whenever they come, and redeems the code.
   */
  async function flow(
    browser: TestBrowser,
    app: App,
    user: User,
    params: Record<string, string> = {},
  ): Promise<Flow> {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(app.config, {
      redirect_uri: app.redirect,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...params,
    });
    const pages: Flow['pages'] = [];
    let consentHtml: string | undefined;
    let landed = await browser.follow(url.href, t.baseUrl);
    while (landed.url.startsWith(`${t.baseUrl}/oidc/interaction/`)) {
      const html = await landed.response.text();
      let posted: Response;
      if (html.includes('name="password"')) {
        pages.push('login');
        posted = await browser.post(`${landed.url}/login`, {
          csrf: csrfOf(html),
          login: user.email,
          password: TEST_PASSWORD,
        });
      } else {
        expect(html).toContain('Allow access');
        pages.push('consent');
        consentHtml = html;
        posted = await browser.post(`${landed.url}/consent`, {
          csrf: csrfOf(html),
          decision: 'allow',
        });
      }
      expect(posted.status).toBe(303);
      landed = await browser.follow(
        new URL(posted.headers.get('location')!, t.baseUrl).href,
        t.baseUrl,
      );
    }
    expect(landed.url.startsWith(`${app.redirect}?code=`)).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(app.config, new URL(landed.url), {
      pkceCodeVerifier: verifier,
    });
    return { pages, consentHtml, tokens };
  }

  /** A request to the server's API with a session token (the browser's SSO cookie, say). */
  const api = (method: string, path: string, token: string) =>
    fetch(`${t.baseUrl}${path}`, { method, headers: { authorization: `JWT ${token}` } });
  const ssoToken = (browser: TestBrowser) => browser.cookies.get('nest_sso')!;
  const consentRows = (userId: string) =>
    db.query<{ client_id: string; scopes: string[] }[]>(
      `SELECT client_id, scopes FROM oidc_consents WHERE user_id = $1 ORDER BY client_id`,
      [userId],
    );
  /** The grants (and what hangs off them) a user holds for a client in the provider's store. */
  const grantPayloads = async (userId: string, clientId: string) =>
    (
      await db.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM oidc_payloads
          WHERE (model = 'Grant' AND payload->>'accountId' = $1 AND payload->>'clientId' = $2)
             OR grant_id IN (SELECT id FROM oidc_payloads WHERE model = 'Grant'
                              AND payload->>'accountId' = $1 AND payload->>'clientId' = $2)`,
        [userId, clientId],
      )
    )[0].n;
  const consentEvents = (userId: string) =>
    db.query<{ type: string; via: string; reason: string; actor_id: string | null }[]>(
      `SELECT type, via, reason, actor_id FROM auth_events
        WHERE user_id = $1 AND type IN ('consent_granted', 'consent_revoked') ORDER BY id`,
      [userId],
    );
  /** A user with a consent to the partner app, given through the consent page. */
  async function consentedUser(): Promise<{ user: User; browser: TestBrowser; first: Flow }> {
    const user = await createUser(t.app);
    const browser = new TestBrowser();
    const first = await flow(browser, partner, user, {
      scope: 'openid email offline_access',
      prompt: 'consent',
    });
    expect(first.pages).toEqual(['login', 'consent']);
    return { user, browser, first };
  }

  it('should ask at the first sign-in only: signed out and in again, the app gets its code at once', async () => {
    const user = await createUser(t.app);
    const browser = new TestBrowser();
    const first = await flow(browser, partner, user);
    expect(first.pages).toEqual(['login', 'consent']);
    expect(first.consentHtml).toContain('Partner App');
    expect(first.consentHtml).toContain('Know who you are');
    expect(first.consentHtml).toContain('See your email address');
    expect(first.tokens.claims()).toMatchObject({ sub: user.id, aud: partner.id });
    expect(await consentRows(user.id)).toEqual([
      { client_id: partner.id, scopes: ['email', 'openid'] },
    ]);

    // Sign out of nest-sso: the next authorization needs a password, and no consent.
    expect((await api('POST', '/logout', ssoToken(browser))).status).toBe(204);
    const again = await flow(browser, partner, user);
    expect(again.pages).toEqual(['login']);
    expect(again.tokens.claims()).toMatchObject({ sub: user.id, aud: partner.id });

    // A new browser, a new sign-in: still no consent page.
    expect((await flow(new TestBrowser(), partner, user)).pages).toEqual(['login']);
    expect(await consentEvents(user.id)).toEqual([
      { type: 'consent_granted', via: 'api', reason: `client:${partner.id}`, actor_id: user.id },
    ]);
  });

  it('should ask again for a scope not consented yet, listing the requested scopes; prompt=consent always asks', async () => {
    const user = await createUser(t.app);
    const browser = new TestBrowser();
    expect((await flow(browser, partner, user)).pages).toEqual(['login', 'consent']);

    const wider = await flow(browser, partner, user, { scope: 'openid email profile' });
    expect(wider.pages).toEqual(['consent']);
    expect(wider.consentHtml).toContain('See your username');
    expect(wider.consentHtml).toContain('See your email address');
    expect(await consentRows(user.id)).toEqual([
      { client_id: partner.id, scopes: ['email', 'openid', 'profile'] },
    ]);
    // Consented scopes, in a new nest-sso session: no page, and the ID token has them.
    expect((await api('POST', '/logout', ssoToken(browser))).status).toBe(204);
    const narrower = await flow(browser, partner, user, { scope: 'openid profile' });
    expect(narrower.pages).toEqual(['login']);
    expect(narrower.tokens.claims()).toMatchObject({ preferred_username: user.username });

    const forced = await flow(browser, partner, user, { prompt: 'consent' });
    expect(forced.pages).toEqual(['consent']);
  });

  it('should let the user list and revoke: the refresh token is refused at once and the next sign-in asks again', async () => {
    const { user, browser, first } = await consentedUser();
    const token = ssoToken(browser);
    const listed = await api('GET', '/consents', token);
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as { consents: Record<string, unknown>[] };
    expect(body).toEqual({
      consents: [
        {
          client_id: partner.id,
          client_name: 'Partner App',
          scopes: ['email', 'offline_access', 'openid'],
          granted_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        },
      ],
    });
    const refresh = first.tokens.refresh_token!;
    expect(refresh).toBeTruthy();
    const refreshed = await oidc.refreshTokenGrant(partner.config, refresh);
    expect(refreshed.access_token).toBeTruthy();

    expect((await api('DELETE', `/consents/${partner.id}`, token)).status).toBe(204);
    await expect(
      oidc.refreshTokenGrant(partner.config, refreshed.refresh_token ?? refresh),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await grantPayloads(user.id, partner.id)).toBe(0);
    expect(await consentRows(user.id)).toEqual([]);
    expect(await (await api('GET', '/consents', token)).json()).toEqual({ consents: [] });
    // Still signed in to nest-sso (revoking a consent ends no session): only the consent page.
    expect((await flow(browser, partner, user)).pages).toEqual(['consent']);
    expect((await consentEvents(user.id)).map((e) => [e.type, e.via, e.reason])).toEqual([
      ['consent_granted', 'api', `client:${partner.id}`],
      ['consent_revoked', 'api', `client:${partner.id}`],
      ['consent_granted', 'api', `client:${partner.id}`],
    ]);
  });

  it("should answer 404 for a consent that is not the caller's, and 400 for a malformed client id", async () => {
    const { user } = await consentedUser();
    const other = await login(t.app, (await createUser(t.app)).email);
    expect(await (await api('GET', '/consents', other)).json()).toEqual({ consents: [] });
    for (const clientId of [partner.id, randomUUID()]) {
      const response = await api('DELETE', `/consents/${clientId}`, other);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        statusCode: 404,
        code: 'not_found',
        message: 'No such consent',
      });
    }
    const malformed = await api('DELETE', `/consents/${encodeURIComponent("' OR '1'='1")}`, other);
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ statusCode: 400, code: 'validation_failed' });
    expect(await consentRows(user.id)).toHaveLength(1);
    expect(await grantPayloads(user.id, partner.id)).toBeGreaterThan(0);
  });

  it('should let an administrator list and revoke a user’s consent through the admin API', async () => {
    const { user, first } = await consentedUser();
    const path = `/admin/users/${user.id}/consents`;
    const listed = await api('GET', path, admin);
    expect(listed.status).toBe(200);
    expect(await listed.json()).toMatchObject({
      consents: [{ client_id: partner.id, client_name: 'Partner App' }],
    });
    expect((await api('DELETE', `${path}/${partner.id}`, admin)).status).toBe(204);
    await expect(
      oidc.refreshTokenGrant(partner.config, first.tokens.refresh_token!),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await grantPayloads(user.id, partner.id)).toBe(0);

    const again = await api('DELETE', `${path}/${partner.id}`, admin);
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ code: 'not_found' });
    expect((await api('DELETE', `${path}/not-a-client`, admin)).status).toBe(400);
    expect((await api('GET', `/admin/users/${randomUUID()}/consents`, admin)).status).toBe(404);
    // A session token is not an admin credential.
    const session = await login(t.app, user.email);
    expect((await api('GET', path, session)).status).toBe(401);
    const [, revoked] = await consentEvents(user.id);
    expect(revoked).toMatchObject({ type: 'consent_revoked', via: 'admin_api' });
  });

  it('should list and revoke at the command line, with the documented exit codes', async () => {
    const { user, first } = await consentedUser();
    const cli = async (argv: string[]) => {
      let out = '';
      let err = '';
      const code = await runCli(
        argv,
        createCliContext(
          { NODE_ENV: 'test', DATABASE_URL: TEST_DATABASE_URL, SSO_MIGRATE_ON_START: 'false' },
          (text) => (err += text),
        ),
        { out: (text) => (out += text), err: (text) => (err += text) },
      );
      return { code, out, err };
    };
    const listed = await cli(['consents:list', '--user', user.email, '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out)).toMatchObject({
      consents: [{ client_id: partner.id, scopes: ['email', 'offline_access', 'openid'] }],
    });
    const table = await cli(['consents:list', '--user', user.username!]);
    expect(table.out).toContain('Partner App');

    expect((await cli(['consents:revoke', '--user', user.id, '--client', 'nope'])).code).toBe(2);
    expect((await cli(['consents:revoke', '--user', user.id])).code).toBe(2);
    expect(
      (await cli(['consents:revoke', '--user', 'nobody@example.com', '--client', partner.id])).code,
    ).toBe(3);
    const revoked = await cli(['consents:revoke', '--user', user.id, '--client', partner.id]);
    expect(revoked).toMatchObject({ code: 0, err: '' });
    await expect(
      oidc.refreshTokenGrant(partner.config, first.tokens.refresh_token!),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await cli(['consents:revoke', '--user', user.id, '--client', partner.id])).code).toBe(
      3,
    );
    expect((await cli(['consents:list', '--user', user.email])).out).toContain(
      'has consented to no client',
    );
    const [, event] = await consentEvents(user.id);
    expect(event).toMatchObject({ type: 'consent_revoked', via: 'cli', actor_id: null });
  });

  it('should never ask for a first-party client, whatever the scopes, and record no consent', async () => {
    const user = await createUser(t.app);
    const browser = new TestBrowser();
    expect((await flow(browser, firstParty, user)).pages).toEqual(['login']);
    expect(
      (await flow(browser, firstParty, user, { scope: 'openid email profile' })).pages,
    ).toEqual([]);
    expect((await api('POST', '/logout', ssoToken(browser))).status).toBe(204);
    expect((await flow(browser, firstParty, user)).pages).toEqual(['login']);
    expect(await consentRows(user.id)).toEqual([]);
  });

  it('should keep every scope of consents approved at the same moment (one upsert each, no lost update)', async () => {
    const user = await createUser(t.app);
    const consents = t.app.get(ConsentsService);
    await Promise.all(
      ['openid', 'email', 'profile', 'offline_access'].map((scope) =>
        consents.grant(Actors.user(user.id), {
          userId: user.id,
          clientId: partner.id,
          scopes: [scope],
        }),
      ),
    );
    expect(await consentRows(user.id)).toEqual([
      { client_id: partner.id, scopes: ['email', 'offline_access', 'openid', 'profile'] },
    ]);
  });

  it("should delete a client's consents with the client", async () => {
    const { user } = await consentedUser();
    const { client } = await registerClient(t, {
      name: 'Short-lived',
      redirectUris: ['https://short.example/callback'],
    });
    await db.query(`INSERT INTO oidc_consents (user_id, client_id, scopes) VALUES ($1, $2, $3)`, [
      user.id,
      client.id,
      ['openid'],
    ]);
    expect(await consentRows(user.id)).toHaveLength(2);
    expect((await api('DELETE', `/admin/clients/${client.id}`, admin)).status).toBe(204);
    expect(await consentRows(user.id)).toEqual([
      { client_id: partner.id, scopes: expect.any(Array) },
    ]);
  });
});

describe('OpenID Connect consent on the embedded database (no DATABASE_URL)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    ({ app } = await startEmbeddedApp('nest-sso-consent'));
  }, 60_000);
  afterAll(() => app?.close());

  it('should record, widen, check and revoke a consent with its grants (the same SQL as PostgreSQL)', async () => {
    const consents = app.get(ConsentsService);
    const db = app.get(DataSource);
    const user = await createUser(app);
    const { client } = await app.get(ClientAdminUseCase).create(Actors.cli(), {
      name: 'Embedded partner',
      redirectUris: [PARTNER_REDIRECT],
    });
    const actor = Actors.user(user.id);
    await consents.grant(actor, { userId: user.id, clientId: client.id, scopes: ['openid'] });
    await consents.grant(actor, {
      userId: user.id,
      clientId: client.id,
      scopes: ['email', 'openid', 'not-an-oidc-scope'],
    });
    expect(await consents.covers(user.id, client.id, ['openid', 'email'])).toBe(true);
    expect(await consents.covers(user.id, client.id, ['openid', 'profile'])).toBe(false);
    expect(await consents.list(user.id)).toMatchObject([
      { clientId: client.id, clientName: 'Embedded partner', scopes: ['email', 'openid'] },
    ]);
    // A grant of the user for the client, and a refresh token issued from it.
    const grant = { accountId: user.id, clientId: client.id };
    await db.query(`INSERT INTO oidc_payloads (model, id, payload) VALUES ('Grant', 'g1', $1)`, [
      JSON.stringify(grant),
    ]);
    await db.query(
      `INSERT INTO oidc_payloads (model, id, payload, grant_id) VALUES ('RefreshToken', 'r1', $1, 'g1')`,
      [JSON.stringify({ ...grant, grantId: 'g1' })],
    );
    await consents.revoke(actor, user.id, client.id);
    expect(await consents.list(user.id)).toEqual([]);
    expect(await db.query(`SELECT id FROM oidc_payloads WHERE id IN ('g1', 'r1')`)).toEqual([]);
    await expect(consents.revoke(actor, user.id, client.id)).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
