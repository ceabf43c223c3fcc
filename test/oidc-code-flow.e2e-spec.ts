import { createHash } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import { DataSource } from 'typeorm';
import { Actors } from '@nest-sso/audit';
import { EndSessionsUseCase, SessionsService } from '@nest-sso/sessions';
import type { User } from '@nest-sso/users';
import { createAccountWithMember, createUser, TEST_PASSWORD } from './support/factories';
import {
  csrfOf,
  discover,
  OidcTestApp,
  registerClient,
  ssoClientVerifier,
  startOidcApp,
  TestBrowser,
} from './support/oidc';
import { TEST_IDENTITY } from './support/test-app';

const REDIRECT = 'https://app.example/callback';

describe('OpenID Connect authorization code flow', () => {
  let t: OidcTestApp;
  let user: User;
  let clientId: string;
  let config: oidc.Configuration;

  beforeAll(async () => {
    t = await startOidcApp();
    user = await createUser(t.app, { permissions: ['things:read'] });
    const { client } = await registerClient(t, {
      name: 'App A',
      redirectUris: [REDIRECT],
      type: 'public',
      firstParty: true,
    });
    clientId = client.id;
    config = await discover(t, clientId);
  });
  afterAll(() => t.close());

  async function authorize(browser: TestBrowser, extra: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    const landed = await browser.follow(url.href, t.baseUrl);
    return { verifier, state, nonce, landed };
  }

  async function signIn(browser: TestBrowser, who: User = user) {
    const flow = await authorize(browser);
    expect(flow.landed.url).toMatch(/\/oidc\/interaction\//);
    const html = await flow.landed.response.text();
    expect(html).toContain('<label for="login">');
    expect(flow.landed.response.headers.get('content-security-policy')).toContain(
      "frame-ancestors 'none'",
    );
    const posted = await browser.post(`${flow.landed.url}/login`, {
      csrf: csrfOf(html),
      login: who.email,
      password: TEST_PASSWORD,
    });
    expect(posted.status).toBe(303);
    const ssoCookie = posted.headers.getSetCookie().find((c) => c.startsWith('nest_sso='));
    expect(ssoCookie).toMatch(/HttpOnly/i);
    expect(ssoCookie).toMatch(/SameSite=Lax/i);
    const back = await browser.follow(
      new URL(posted.headers.get('location')!, t.baseUrl).href,
      t.baseUrl,
    );
    expect(back.url.startsWith(`${REDIRECT}?`)).toBe(true);
    return { ...flow, callback: new URL(back.url) };
  }

  it('should sign in through the hosted page and issue tokens: nonce, nest-sso access token, refresh token', async () => {
    const browser = new TestBrowser();
    const flow = await signIn(browser);
    const tokens = await oidc.authorizationCodeGrant(config, flow.callback, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    const idToken = tokens.claims()!;
    expect(idToken).toMatchObject({
      iss: t.issuer,
      sub: user.id,
      aud: clientId,
      nonce: flow.nonce,
      email: user.email,
    });
    expect(idToken.sid).toEqual(expect.any(String));
    // at_hash binds the ID token to the access token issued with it (OIDC Core 3.1.3.6).
    expect(idToken.at_hash).toBe(accessTokenHash(tokens.access_token));
    const access = decodeJwt(tokens.access_token);
    expect(access).toMatchObject({
      token: 'auth',
      iss: TEST_IDENTITY,
      uid: user.id,
      cid: clientId,
      scopes: ['things:read'],
    });
    const auth = await (await ssoClientVerifier(t)).verify(tokens.access_token);
    expect(auth.scopes).toEqual(['things:read']);
    expect(tokens.refresh_token).toBeTruthy();
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toContain(`nest_sso_oidc_logins_total{client_id="${clientId}"} 1`);
    expect(metrics).toMatch(
      /nest_sso_oidc_tokens_issued_total\{grant_type="authorization_code"\} [1-9]/,
    );

    // A refreshed ID token carries the hash of its own, new access token.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.claims()!.at_hash).toBe(accessTokenHash(refreshed.access_token));
    const refreshToken = refreshed.refresh_token ?? tokens.refresh_token!;

    // Signed in already: a second authorization needs no password.
    const again = await authorize(browser);
    expect(again.landed.url.startsWith(`${REDIRECT}?code=`)).toBe(true);

    // Ending the nest-sso session (any door) ends the refresh token and signs the browser out.
    await t.app.get(EndSessionsUseCase).one(String(access.sid), 'operator', Actors.cli());
    await expect(oidc.refreshTokenGrant(config, refreshToken)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const silent = await authorize(browser, { prompt: 'none' });
    expect(new URL(silent.landed.url).searchParams.get('error')).toBe('login_required');
  });

  it("should select an account with the token request's account parameter, as POST /authorize does", async () => {
    const member = await createUser(t.app, { permissions: ['things:read'] });
    const acme = await createAccountWithMember(t.app, member, ['orders:read', 'orders:write']);
    const stranger = await createAccountWithMember(t.app, await createUser(t.app), ['orders:read']);
    const browser = new TestBrowser();
    const flow = await signIn(browser, member);
    // At the code exchange, by account name.
    const tokens = await oidc.authorizationCodeGrant(
      config,
      flow.callback,
      { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce },
      { account: acme.name },
    );
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      account: acme.id,
      scopes: ['orders:read', 'orders:write'],
      uid: member.id,
    });
    // At a refresh, by account id; without the parameter, the user's global permissions.
    const byId = await oidc.refreshTokenGrant(config, tokens.refresh_token!, { account: acme.id });
    expect(decodeJwt(byId.access_token)).toMatchObject({ account: acme.id });
    const global = await oidc.refreshTokenGrant(config, byId.refresh_token!);
    const globalClaims = decodeJwt(global.access_token);
    expect(globalClaims.scopes).toEqual(['things:read']);
    expect(globalClaims.account).toBeUndefined();
    // One answer for another user's account and for none at all; malformed values are refused.
    for (const account of [stranger.name, stranger.id, 'no-such-account']) {
      await expect(
        oidc.refreshTokenGrant(config, global.refresh_token!, { account }),
      ).rejects.toMatchObject({
        error: 'invalid_target',
        error_description: 'not a member of the requested account',
        status: 400,
      });
    }
    for (const account of ['', 'a'.repeat(101)]) {
      await expect(
        oidc.refreshTokenGrant(config, global.refresh_token!, { account }),
      ).rejects.toMatchObject({ error: 'invalid_request', status: 400 });
    }
    // A refused request spent nothing: the refresh token still works.
    await oidc.refreshTokenGrant(config, global.refresh_token!);
    const denied = await t.app
      .get(DataSource)
      .query(
        `SELECT count(*)::int AS n FROM auth_events WHERE type = 'authorize_denied' AND user_id = $1 AND reason = 'not_a_member'`,
        [member.id],
      );
    expect(denied[0].n).toBe(3);
  });

  it('should ask for the password again for prompt=login and for an exceeded max_age, and say when it was given (auth_time)', async () => {
    const browser = new TestBrowser();
    const before = Math.floor(Date.now() / 1000);
    await signIn(browser);
    const signedIn = Math.floor(Date.now() / 1000);
    // A generous max_age: no password, and the ID token names the original sign-in time.
    const recent = await authorize(browser, { max_age: '3600' });
    expect(recent.landed.url.startsWith(`${REDIRECT}?code=`)).toBe(true);
    const recentTokens = await oidc.authorizationCodeGrant(config, new URL(recent.landed.url), {
      pkceCodeVerifier: recent.verifier,
      expectedState: recent.state,
      expectedNonce: recent.nonce,
      maxAge: 3600,
    });
    const authTime = recentTokens.claims()!.auth_time!;
    expect(authTime).toBeGreaterThanOrEqual(before);
    expect(authTime).toBeLessThanOrEqual(signedIn);
    // prompt=login and max_age=0 both land on the sign-in page despite the live session.
    for (const extra of [{ prompt: 'login' }, { max_age: '0' }] as Record<string, string>[]) {
      const again = await authorize(browser, extra);
      expect(again.landed.url, JSON.stringify(extra)).toMatch(/\/oidc\/interaction\//);
      expect(await again.landed.response.text()).toContain('<label for="password">');
    }
  });

  it("should sign a browser in with its SSO cookie alone when the provider's own session cookie is gone, unless a password is asked for", async () => {
    const browser = new TestBrowser();
    await signIn(browser);
    const forgetProviderSession = () => {
      for (const name of [...browser.cookies.keys()]) {
        if (name !== 'nest_sso') browser.cookies.delete(name);
      }
    };
    forgetProviderSession();
    const again = await authorize(browser);
    expect(again.landed.url.startsWith(`${REDIRECT}?code=`)).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(again.landed.url), {
      pkceCodeVerifier: again.verifier,
      expectedState: again.state,
      expectedNonce: again.nonce,
    });
    expect(tokens.claims()!.sub).toBe(user.id);
    // prompt=login still asks.
    forgetProviderSession();
    const login = await authorize(browser, { prompt: 'login' });
    expect(login.landed.url).toMatch(/\/oidc\/interaction\//);
    // An ended nest-sso session signs nobody in.
    await t.app
      .get(EndSessionsUseCase)
      .one(String(decodeJwt(tokens.access_token).sid), 'operator', Actors.cli());
    forgetProviderSession();
    const ended = await authorize(browser);
    expect(ended.landed.url).toMatch(/\/oidc\/interaction\//);
    expect(await ended.landed.response.text()).toContain('<label for="password">');
  });

  it('should let a browser switch users: the new sign-in stands, and its session is not the one signed out', async () => {
    const browser = new TestBrowser();
    await signIn(browser);
    const other = await createUser(t.app);
    const flow = await authorize(browser, { prompt: 'login' });
    const posted = await browser.post(`${flow.landed.url}/login`, {
      csrf: csrfOf(await flow.landed.response.text()),
      login: other.email,
      password: TEST_PASSWORD,
    });
    expect(posted.status).toBe(303);
    const newSession = browser.cookies.get('nest_sso')!;
    // oidc-provider signs the previous user out first, through an auto-posted form.
    const confirm = await browser.follow(
      new URL(posted.headers.get('location')!, t.baseUrl).href,
      t.baseUrl,
    );
    const html = await confirm.response.text();
    const action = /action="([^"]+)"/.exec(html)![1].replaceAll('&amp;', '&');
    const fields = Object.fromEntries(
      [...html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    const confirmed = await browser.post(new URL(action, t.baseUrl).href, fields);
    const back = await browser.follow(
      new URL(confirmed.headers.get('location')!, t.baseUrl).href,
      t.baseUrl,
    );
    expect(back.url.startsWith(`${REDIRECT}?code=`)).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.url), {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    expect(tokens.claims()!.sub).toBe(other.id);
    // The new user's session and SSO cookie live on.
    expect(browser.cookies.get('nest_sso')).toBe(newSession);
    const sid = String(decodeJwt(newSession).sid);
    await expect(t.app.get(SessionsService).requireActive(sid, other.id)).resolves.toMatchObject({
      id: sid,
    });
  });

  it('should answer prompt=none without a session with login_required', async () => {
    const flow = await authorize(new TestBrowser(), { prompt: 'none' });
    const callback = new URL(flow.landed.url);
    expect(callback.origin + callback.pathname).toBe(REDIRECT);
    expect(callback.searchParams.get('error')).toBe('login_required');
  });

  it('should end the nest-sso session at end_session and send a back-channel logout token to every client', async () => {
    const received: string[] = [];
    const receiver: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push(new URLSearchParams(body).get('logout_token') ?? '');
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as { port: number }).port;
    try {
      const { client: b, secret } = await registerClient(t, {
        name: 'App B',
        redirectUris: ['https://b.example/callback'],
        postLogoutRedirectUris: ['https://b.example/signed-out'],
        backchannelLogoutUri: `http://127.0.0.1:${port}/backchannel`,
        firstParty: true,
      });
      const browser = new TestBrowser();
      await signIn(browser);
      // App B: signed in with no password form.
      const configB = await discover(t, b.id, secret!);
      const verifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(configB, {
        redirect_uri: 'https://b.example/callback',
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      const landed = await browser.follow(url.href, t.baseUrl);
      expect(landed.url.startsWith('https://b.example/callback?code=')).toBe(true);
      const tokensB = await oidc.authorizationCodeGrant(configB, new URL(landed.url), {
        pkceCodeVerifier: verifier,
      });
      const sid = String(decodeJwt(tokensB.access_token).sid);

      const logoutUrl = oidc.buildEndSessionUrl(configB, {
        id_token_hint: tokensB.id_token!,
        post_logout_redirect_uri: 'https://b.example/signed-out',
      });
      const confirm = await browser.request(logoutUrl.href);
      const html = await confirm.text();
      expect(confirm.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      const action = /<form[^>]*action="([^"]+)"/.exec(html)![1];
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1];
      const done = await browser.post(new URL(action, t.baseUrl).href, { xsrf, logout: 'yes' });
      expect(done.headers.get('location')).toMatch(/^https:\/\/b\.example\/signed-out/);

      await expect.poll(() => received.length).toBeGreaterThan(0);
      const logoutToken = decodeJwt(received[0]);
      expect(logoutToken).toMatchObject({ iss: t.issuer, aud: b.id, sub: user.id });
      expect(logoutToken.events).toHaveProperty([
        'http://schemas.openid.net/event/backchannel-logout',
      ]);
      await expect.poll(() => t.app.get(SessionsService).findActive(sid)).toBeNull();
      await expect(oidc.refreshTokenGrant(configB, tokensB.refresh_token!)).rejects.toMatchObject({
        error: 'invalid_grant',
      });
    } finally {
      receiver.close();
    }
  });

  it('should ask a signed-in user to consent for a third-party client, and honour a refusal', async () => {
    const { client: c, secret } = await registerClient(t, {
      name: 'Third <b>Party</b>',
      redirectUris: ['https://c.example/callback'],
    });
    const configC = await discover(t, c.id, secret!);
    const browser = new TestBrowser();
    await signIn(browser);
    const start = async () => {
      const verifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(configC, {
        redirect_uri: 'https://c.example/callback',
        scope: 'openid email',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      const landed = await browser.follow(url.href, t.baseUrl);
      return { verifier, landed, html: await landed.response.text() };
    };

    const refused = await start();
    expect(refused.html).toContain('Allow access');
    expect(refused.html).not.toContain('name="password"');
    expect(refused.html).toContain('Third &lt;b&gt;Party&lt;/b&gt;');
    expect(refused.html).toContain('See your email address');
    const denied = await browser.post(`${refused.landed.url}/consent`, {
      csrf: csrfOf(refused.html),
      decision: 'deny',
    });
    const deniedBack = await browser.follow(
      new URL(denied.headers.get('location')!, t.baseUrl).href,
      t.baseUrl,
    );
    expect(new URL(deniedBack.url).searchParams.get('error')).toBe('access_denied');

    const allowed = await start();
    const forged = await browser.post(`${allowed.landed.url}/consent`, { decision: 'allow' });
    expect(forged.status).toBe(403);
    const posted = await browser.post(`${allowed.landed.url}/consent`, {
      csrf: csrfOf(allowed.html),
      decision: 'allow',
    });
    const back = await browser.follow(
      new URL(posted.headers.get('location')!, t.baseUrl).href,
      t.baseUrl,
    );
    const tokens = await oidc.authorizationCodeGrant(configC, new URL(back.url), {
      pkceCodeVerifier: allowed.verifier,
    });
    expect(tokens.claims()).toMatchObject({ sub: user.id, aud: c.id });
  });
});

describe('OpenID Connect with a bare-name identity (SSO_IDENTITY=nest-sso, the default)', () => {
  let t: OidcTestApp;
  afterAll(() => t?.close());

  it('should sign in and issue a nest-sso access token from that issuer', async () => {
    // The provider's resource indicators must be absolute URIs (RFC 8707); a bare identity like
    // DRF-SSO's is mapped to one, so `npm start` with its defaults serves browser sign-in.
    t = await startOidcApp({
      keys: () => ({
        SSO_IDENTITY: 'nest-sso',
        SSO_PRIVATE_KEYS: JSON.stringify({ 'nest-sso': ['sso-test-20260101.pem'] }),
      }),
    });
    const user = await createUser(t.app);
    const { client } = await registerClient(t, {
      name: 'App',
      redirectUris: [REDIRECT],
      type: 'public',
      firstParty: true,
    });
    const config = await discover(t, client.id);
    const browser = new TestBrowser();
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const landed = await browser.follow(url.href, t.baseUrl);
    expect(landed.url).toMatch(/\/oidc\/interaction\//);
    const posted = await browser.post(`${landed.url}/login`, {
      csrf: csrfOf(await landed.response.text()),
      login: user.email,
      password: TEST_PASSWORD,
    });
    expect(posted.status).toBe(303);
    const back = await browser.follow(
      new URL(posted.headers.get('location')!, t.baseUrl).href,
      t.baseUrl,
    );
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.url), {
      pkceCodeVerifier: verifier,
    });
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      token: 'auth',
      iss: 'nest-sso',
      uid: user.id,
      aud: ['nest-sso'],
    });
  });
});

/** at_hash of an RS256/ES256/PS256 ID token: the left half of the access token's SHA-256, base64url. */
function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');
}
