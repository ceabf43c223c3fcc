import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import { Actors } from '@nest-sso/audit';
import { EndSessionsUseCase } from '@nest-sso/sessions';
import type { User } from '@nest-sso/users';
import { createUser, TEST_PASSWORD } from './support/factories';
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

  async function signIn(browser: TestBrowser) {
    const flow = await authorize(browser);
    expect(flow.landed.url).toMatch(/\/oidc\/interaction\//);
    const html = await flow.landed.response.text();
    expect(html).toContain('<label for="login">');
    expect(flow.landed.response.headers.get('content-security-policy')).toContain(
      "frame-ancestors 'none'",
    );
    const posted = await browser.post(`${flow.landed.url}/login`, {
      csrf: csrfOf(html),
      login: user.email,
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

    // Signed in already: a second authorization needs no password.
    const again = await authorize(browser);
    expect(again.landed.url.startsWith(`${REDIRECT}?code=`)).toBe(true);

    // Ending the nest-sso session (any door) ends the refresh token and signs the browser out.
    await t.app.get(EndSessionsUseCase).one(String(access.sid), 'operator', Actors.cli());
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const silent = await authorize(browser, { prompt: 'none' });
    expect(new URL(silent.landed.url).searchParams.get('error')).toBe('login_required');
  });

  it('should answer prompt=none without a session with login_required', async () => {
    const flow = await authorize(new TestBrowser(), { prompt: 'none' });
    const callback = new URL(flow.landed.url);
    expect(callback.origin + callback.pathname).toBe(REDIRECT);
    expect(callback.searchParams.get('error')).toBe('login_required');
  });
});
