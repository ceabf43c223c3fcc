import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '@nest-sso/users';
import { createUser, TEST_PASSWORD } from './support/factories';
import { csrfOf, OidcTestApp, registerClient, startOidcApp, TestBrowser } from './support/oidc';

const REDIRECT = 'https://app.example/callback';
const OLD = 'o'.repeat(43);
const NEW = 'n'.repeat(43);

/**
 * The four requests of a browser sign-in, and the replica the load balancer sends each to; then
 * the browser's next authorization (signed in by the provider's session cookie, no password).
 */
interface Route {
  authorize: OidcTestApp;
  loginPage: OidcTestApp;
  loginForm: OidcTestApp;
  resume: OidcTestApp;
  again: OidcTestApp;
}

/**
 * Replicas behind one public URL, each with its own SSO_OIDC_COOKIE_KEYS (docs/operations.md,
 * "OpenID Connect cookie keys"): a sign-in whose requests land on different replicas completes
 * when they share the keys, including both halves of a rotation, and fails without the setting.
 */
describe('OpenID Connect cookie keys across replicas', () => {
  /** Before the rotation: the old key alone. */
  let before: OidcTestApp;
  /** Rotation step 1: the new key verifies. */
  let step1: OidcTestApp;
  /** Rotation step 2: the new key signs. */
  let step2: OidcTestApp;
  /** No SSO_OIDC_COOKIE_KEYS: a random key of its own. */
  let unset: OidcTestApp;
  let user: User;
  let clientId: string;

  beforeAll(async () => {
    before = await startOidcApp({ env: { SSO_OIDC_COOKIE_KEYS: OLD } });
    // One public URL (the load balancer's) and one key store for every replica.
    const replica = (keys?: string) =>
      startOidcApp({
        share: before,
        env: { SSO_PUBLIC_URL: before.baseUrl, ...(keys ? { SSO_OIDC_COOKIE_KEYS: keys } : {}) },
      });
    step1 = await replica(`${OLD},${NEW}`);
    step2 = await replica(`${NEW},${OLD}`);
    unset = await replica();
    user = await createUser(before.app);
    const { client } = await registerClient(before, {
      name: 'App A',
      redirectUris: [REDIRECT],
      type: 'public',
      firstParty: true,
    });
    clientId = client.id;
  });
  afterAll(async () => {
    for (const t of [before, step1, step2, unset]) await t?.close();
  });

  /** `url`'s path and query at `replica`: where a load balancer sends that request. */
  const at = (replica: OidcTestApp, url: string) => {
    const { pathname, search } = new URL(url, replica.baseUrl);
    return new URL(`${pathname}${search}`, replica.baseUrl).href;
  };

  /** An authorization request's query (a public client: PKCE). */
  const authorization = () => {
    const verifier = randomBytes(32).toString('base64url');
    return new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: REDIRECT,
      state: randomBytes(8).toString('base64url'),
      nonce: randomBytes(8).toString('base64url'),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
  };

  /** Runs a sign-in along `route`; stops at the first answer that is not the expected one. */
  async function signIn(route: Route) {
    const browser = new TestBrowser();
    const started = await browser.request(
      at(route.authorize, `/oidc/auth?${authorization().toString()}`),
    );
    expect(started.status).toBe(303);
    const interaction = new URL(started.headers.get('location')!, before.baseUrl).pathname;
    expect(interaction).toMatch(/^\/oidc\/interaction\//);
    const page = await browser.request(at(route.loginPage, interaction));
    const html = await page.text();
    if (page.status !== 200) return { failedAt: 'login page', status: page.status, html };
    const posted = await browser.post(at(route.loginForm, `${interaction}/login`), {
      csrf: csrfOf(html),
      login: user.email,
      password: TEST_PASSWORD,
    });
    if (posted.status !== 303) {
      return { failedAt: 'login form', status: posted.status, html: await posted.text() };
    }
    const resumed = await browser.request(at(route.resume, posted.headers.get('location')!));
    const location = resumed.headers.get('location') ?? '';
    if (resumed.status !== 303 || !location.startsWith(`${REDIRECT}?`)) {
      return { failedAt: 'resume', status: resumed.status, html: await resumed.text() };
    }
    const again = await browser.request(
      at(route.again, `/oidc/auth?${authorization().toString()}`),
    );
    const next = again.headers.get('location') ?? '';
    if (again.status !== 303 || !next.startsWith(`${REDIRECT}?code=`)) {
      return { failedAt: 'next authorization', status: again.status, location: next };
    }
    return { signedIn: true };
  }

  it('should complete a sign-in whose every request lands on another replica, when they share the keys (rotation step 1 beside the old list)', async () => {
    const result = await signIn({
      authorize: before,
      loginPage: step1,
      loginForm: before,
      resume: step1,
      again: before,
    });
    expect(result).toEqual({ signedIn: true });
  });

  it('should complete it across the two halves of the roll-out of step 2 (new key first beside new key last)', async () => {
    // Each replica accepts the cookies the other signed; the form goes back to the replica that
    // drew it.
    const newFirst = await signIn({
      authorize: step2,
      loginPage: step1,
      loginForm: step1,
      resume: step2,
      again: step1,
    });
    expect(newFirst).toEqual({ signedIn: true });
    const oldFirst = await signIn({
      authorize: step1,
      loginPage: step2,
      loginForm: step2,
      resume: step1,
      again: step2,
    });
    expect(oldFirst).toEqual({ signedIn: true });
  });

  it('should accept a form drawn where the old key is first and posted where the new key is first (every listed key verifies its CSRF token)', async () => {
    const result = await signIn({
      authorize: step1,
      loginPage: step1,
      loginForm: step2,
      resume: step2,
      again: step2,
    });
    expect(result).toEqual({ signedIn: true });
  });

  it('should fail a sign-in that crosses to a replica without SSO_OIDC_COOKIE_KEYS (its own random key)', async () => {
    const result = await signIn({
      authorize: before,
      loginPage: unset,
      loginForm: unset,
      resume: unset,
      again: unset,
    });
    expect(result).toMatchObject({ failedAt: 'login page', status: 400 });
    expect(result.html).toContain('Sign-in expired');
  });
});
