import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { DataSource } from 'typeorm';
import type { User } from '@nest-sso/users';
import { createUser, TEST_PASSWORD } from './support/factories';
import {
  csrfOf,
  discover,
  OidcTestApp,
  registerClient,
  startOidcApp,
  TestBrowser,
} from './support/oidc';

const REDIRECT = 'https://app.example/callback';
const SCRIPT = '"><script>alert(1)</script>';

describe('OpenID Connect provider under attack', () => {
  let t: OidcTestApp;
  let user: User;
  let clientId: string;
  let clientSecret: string;
  let config: oidc.Configuration;

  beforeAll(async () => {
    t = await startOidcApp();
    user = await createUser(t.app);
    const { client, secret } = await registerClient(t, {
      name: 'Target',
      redirectUris: [REDIRECT],
      firstParty: true,
    });
    clientId = client.id;
    clientSecret = secret!;
    config = await discover(t, clientId, secret!);
  });
  afterAll(() => t.close());

  const count = async (table: string) =>
    (
      await t.app.get(DataSource).query<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${table}`)
    )[0].n;

  async function authorizeUrl(params: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...params,
    });
    return { url, verifier };
  }

  /** Signs in through the hosted page; the callback URL with the code. */
  async function signIn(browser: TestBrowser, params: Record<string, string> = {}) {
    const { url, verifier } = await authorizeUrl(params);
    const landed = await browser.follow(url.href, t.baseUrl);
    const html = await landed.response.text();
    const posted = await browser.post(`${landed.url}/login`, {
      csrf: csrfOf(html),
      login: user.email,
      password: TEST_PASSWORD,
    });
    const back = await browser.follow(
      new URL(posted.headers.get('location')!, t.baseUrl).href,
      t.baseUrl,
    );
    return { callback: new URL(back.url), verifier };
  }

  it.each([
    ['a trailing slash', `${REDIRECT}/`],
    ['another case', 'https://APP.example/Callback'],
    ['an extra path', `${REDIRECT}/extra`],
    ['user info', 'https://user@app.example/callback'],
    ['a fragment', `${REDIRECT}#fragment`],
    ['another port', 'https://app.example:8443/callback'],
    ['plain http', 'http://app.example/callback'],
  ])('should refuse a redirect_uri with %s, without redirecting to it', async (_name, uri) => {
    const { url } = await authorizeUrl({ redirect_uri: uri });
    const response = await new TestBrowser().request(url.href);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });

  it('should refuse a PKCE verifier that does not match the challenge', async () => {
    const { callback } = await signIn(new TestBrowser());
    await expect(
      oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: oidc.randomPKCECodeVerifier(),
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('should refuse a public client that sends no PKCE challenge', async () => {
    const { client } = await registerClient(t, {
      name: 'Public',
      redirectUris: [REDIRECT],
      type: 'public',
    });
    const publicConfig = await discover(t, client.id);
    const url = oidc.buildAuthorizationUrl(publicConfig, {
      redirect_uri: REDIRECT,
      scope: 'openid',
    });
    const landed = await new TestBrowser().follow(url.href, t.baseUrl);
    const callback = new URL(landed.url);
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('should refuse a replayed code and revoke the tokens issued from it', async () => {
    const { callback, verifier } = await signIn(new TestBrowser());
    const first = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
    });
    await expect(
      oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(config, first.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('should escape every reflected value on the hosted pages', async () => {
    const browser = new TestBrowser();
    const { url } = await authorizeUrl({ state: SCRIPT, login_hint: SCRIPT });
    const landed = await browser.follow(url.href, t.baseUrl);
    const html = await landed.response.text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    // A failed login shows the login again, escaped, and does not say whether the user exists.
    const failed = await browser.post(`${landed.url}/login`, {
      csrf: csrfOf(html),
      login: SCRIPT,
      password: 'wrong',
    });
    const failedHtml = await failed.text();
    expect(failed.status).toBe(401);
    expect(failedHtml).not.toContain('<script>');
    expect(failedHtml).toContain('Incorrect email, username or password.');
    // Unknown client id and error descriptions.
    const bad = await new TestBrowser().request(
      `${t.baseUrl}/oidc/auth?client_id=${encodeURIComponent(SCRIPT)}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT)}`,
    );
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).not.toContain('<script>');
    expect(bad.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('should refuse a login POST with the CSRF token missing or wrong, creating no session', async () => {
    const browser = new TestBrowser();
    const { url } = await authorizeUrl();
    const landed = await browser.follow(url.href, t.baseUrl);
    await landed.response.text();
    const sessions = await count('sessions');
    for (const csrf of [undefined, 'forged']) {
      const response = await browser.post(`${landed.url}/login`, {
        ...(csrf ? { csrf } : {}),
        login: user.email,
        password: TEST_PASSWORD,
      });
      expect(response.status).toBe(403);
      expect(response.headers.getSetCookie().some((c) => c.startsWith('nest_sso='))).toBe(false);
    }
    expect(await count('sessions')).toBe(sessions);
  });

  it('should answer oversized and malformed authorization requests with 4xx, writing nothing', async () => {
    const payloads = await count('oidc_payloads');
    const requests = [
      (await authorizeUrl({ state: 'x'.repeat(20_000) })).url.href,
      `${t.baseUrl}/oidc/auth?client_id=${clientId}&response_type=code&scope=openid&redirect_uri=%zz`,
      `${t.baseUrl}/oidc/auth?client_id=${clientId}&client_id=other&response_type=code`,
      `${t.baseUrl}/oidc/interaction/${'a'.repeat(500)}`,
    ];
    for (const href of requests) {
      const response = await new TestBrowser().request(href);
      expect(response.status, href.slice(0, 120)).toBeGreaterThanOrEqual(400);
      expect(response.status, href.slice(0, 120)).toBeLessThan(500);
    }
    // An unsupported response type goes back to the registered redirect URI as an error.
    const implicit = await new TestBrowser().request(
      `${t.baseUrl}/oidc/auth?response_type=token&client_id=${clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=openid`,
    );
    const location = implicit.headers.get('location')!;
    expect(location.startsWith(REDIRECT)).toBe(true);
    expect(location).toContain('error=unsupported_response_type');
    expect(await count('oidc_payloads')).toBe(payloads);
  });

  it.each([
    ['ignore X-Forwarded-For from an untrusted peer', {}, '127.0.0.1'],
    [
      'take X-Forwarded-For from a trusted proxy',
      { SSO_TRUSTED_PROXIES: 'loopback' },
      '203.0.113.7',
    ],
  ])(
    "should %s at the hosted sign-in (its audit, naming the client, and per-IP limit use the client's address)",
    async (_name, env, expected) => {
      const app = await startOidcApp({ env });
      try {
        const member = await createUser(app.app);
        const { client } = await registerClient(app, {
          name: 'Behind a proxy',
          redirectUris: [REDIRECT],
          type: 'public',
          firstParty: true,
        });
        const url = oidc.buildAuthorizationUrl(await discover(app, client.id), {
          redirect_uri: REDIRECT,
          scope: 'openid',
          code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
        });
        const browser = new TestBrowser();
        const landed = await browser.follow(url.href, app.baseUrl);
        const html = await landed.response.text();
        const wrong = await browser.post(
          `${landed.url}/login`,
          { csrf: csrfOf(html), login: member.email, password: 'not the password' },
          { 'x-forwarded-for': '203.0.113.7' },
        );
        expect(wrong.status).toBe(401);
        const posted = await browser.post(
          `${landed.url}/login`,
          {
            csrf: csrfOf(html),
            login: member.email,
            password: TEST_PASSWORD,
          },
          { 'x-forwarded-for': '203.0.113.7' },
        );
        expect(posted.status).toBe(303);
        // Both events name the address and the client they came through.
        const events = await app.app
          .get(DataSource)
          .query<{ type: string; ip_address: string; client_id: string }[]>(
            `SELECT type, ip_address, client_id FROM auth_events
              WHERE type IN ('login_failed', 'login_succeeded') AND user_id = $1 ORDER BY id`,
            [member.id],
          );
        expect(
          events.map((e) => ({ ...e, ip_address: e.ip_address.replace(/^::ffff:/, '') })),
        ).toEqual([
          { type: 'login_failed', ip_address: expected, client_id: client.id },
          { type: 'login_succeeded', ip_address: expected, client_id: client.id },
        ]);
      } finally {
        await app.close();
      }
    },
  );

  it('should answer a NUL character anywhere in a request with 4xx, never 5xx, spending nothing', async () => {
    const { callback, verifier } = await signIn(new TestBrowser());
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
    });
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    const authed = { ...form, authorization: basic };
    const redirect = encodeURIComponent(REDIRECT);
    const requests: [string, RequestInit][] = [
      [
        '/oidc/token',
        {
          method: 'POST',
          headers: authed,
          body: `grant_type=refresh_token&refresh_token=${tokens.refresh_token!}&account=ac%00me`,
        },
      ],
      [
        '/oidc/token',
        {
          method: 'POST',
          headers: authed,
          body: `grant_type=authorization_code&code=ab%00cd&redirect_uri=${redirect}`,
        },
      ],
      [
        '/oidc/token',
        { method: 'POST', headers: authed, body: 'grant_type=refresh_token&refresh_token=ab%00cd' },
      ],
      [
        '/oidc/token',
        {
          method: 'POST',
          headers: form,
          body: 'grant_type=client_credentials&client_id=a%00&client_secret=x',
        },
      ],
      [
        '/oidc/token/revocation',
        { method: 'POST', headers: authed, body: 'token=ab%00cd&token_type_hint=refresh_token' },
      ],
      ['/oidc/token/revocation', { method: 'POST', headers: form, body: 'token=x&client_id=a%00' }],
      ['/oidc/session/end?client_id=a%00', {}],
      ['/oidc/session/end/success?client_id=%00', {}],
      [`/oidc/auth?client_id=x%00&response_type=code&scope=openid&redirect_uri=${redirect}`, {}],
      [
        (await authorizeUrl({ state: 'a\0b', nonce: 'n\0', login_hint: 'a\0b' })).url.href.slice(
          t.baseUrl.length,
        ),
        {},
      ],
    ];
    for (const [path, init] of requests) {
      const response = await fetch(`${t.baseUrl}${path}`, { ...init, redirect: 'manual' });
      const where = `${init.method ?? 'GET'} ${path.slice(0, 100)}`;
      // 200 for revocation (RFC 7009 section 2.2: an unknown token is not an error), else 3xx/4xx.
      expect(response.status, where).toBeLessThan(500);
      expect(await response.text(), where).not.toContain('server_error');
    }
    // The refused account spent nothing: the refresh token still works.
    await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    // Nor may the hosted sign-in's form carry one.
    const browser = new TestBrowser();
    const { url } = await authorizeUrl();
    const landed = await browser.follow(url.href, t.baseUrl);
    const sessions = await count('sessions');
    const posted = await browser.post(`${landed.url}/login`, {
      csrf: csrfOf(await landed.response.text()),
      login: `${user.email}\0`,
      password: TEST_PASSWORD,
    });
    expect(posted.status).toBe(400);
    expect(await count('sessions')).toBe(sessions);
  });

  it('should route every spelling of /oidc paths as the provider does: discovery only at the root, one JWKS', async () => {
    const canonical = await (await fetch(`${t.baseUrl}/.well-known/jwks.json`)).text();
    for (const path of ['/oidc/jwks', '/oidc/JWKS', '/oidc/jwks/', '/oidc/jwks?x=1']) {
      const response = await fetch(`${t.baseUrl}${path}`);
      expect(response.status, path).toBe(200);
      expect(await response.text(), path).toBe(canonical);
    }
    expect((await fetch(`${t.baseUrl}/oidc/jwks`, { method: 'HEAD' })).status).toBe(200);
    for (const path of [
      '/oidc/.well-known/openid-configuration/',
      '/oidc/.WELL-KNOWN/openid-configuration',
    ]) {
      expect((await fetch(`${t.baseUrl}${path}`)).status, path).toBe(404);
    }
    for (const path of ['/oidc', '/oidc?x', '/oidc?', '/oidc/?token']) {
      for (const method of ['GET', 'POST']) {
        const status = (await fetch(`${t.baseUrl}${path}`, { method, redirect: 'manual' })).status;
        expect(status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(status, `${method} ${path}`).toBeLessThan(500);
      }
    }
  });
});
