import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser';
import {
  AppProcess,
  childEnv,
  ensureBuilt,
  freePort,
  ROOT,
  run,
  ServerProcess,
  startAppProcess,
  startServerProcess,
} from './support/processes';
import { TEST_DATABASE_URL } from './support/test-database';
import { waitFor } from './support/wait-for';

const ARTEFACTS = join(ROOT, 'test-results');
const PASSWORD = 'correct horse battery staple';
const IDENTITY = 'https://sso.test';

/**
 * The two databases the identity server runs on, each with its usual settings: PostgreSQL as in
 * production (`DATABASE_URL`, and `SSO_OIDC_COOKIE_KEYS`, which production sets so that sign-ins
 * survive restarts and reach every replica), and the embedded database as `npm start` runs it
 * (no `DATABASE_URL`: PGlite in `SSO_DATA_DIR`, which the CLI reaches through the server's
 * socket; no cookie keys). Issue 12 promises single sign-on on both.
 */
const DATABASES: { database: string; settings: (dir: string) => Record<string, string> }[] = [
  {
    database: 'PostgreSQL',
    settings: () => ({
      DATABASE_URL: TEST_DATABASE_URL,
      SSO_OIDC_COOKIE_KEYS: randomBytes(32).toString('base64url'),
    }),
  },
  { database: 'the embedded database', settings: (dir) => ({ SSO_DATA_DIR: join(dir, 'data') }) },
];

/** A client registered with `clients:create`: its id and the secret shown once. */
interface Registered {
  id: string;
  secret: string;
}

/**
 * Issue 12's promise, with every part real and separate: the identity server, example-service
 * and two example-web apps as processes, two clients registered with the CLI, one Chromium. One
 * login for both apps, a call to a downstream service with the access token, and logout
 * everywhere (RP-initiated at A, back-channel at B).
 */
describe.each(DATABASES)(
  'Browser single sign-on across two web apps, on $database',
  { timeout: 120_000 },
  ({ settings: databaseSettings }) => {
    const dir = mkdtempSync(join(tmpdir(), 'nest-sso-browser-'));
    let sso: ServerProcess;
    let service: AppProcess;
    let webA: AppProcess;
    let webB: AppProcess;
    let clientB: Registered;
    let testRedirect: string;
    let issuer: string;
    /** Where the hosted pages live (the issuer is the server root; its pages are below /oidc/). */
    let ssoPages: string;
    let browser: Browser;
    let context: BrowserContext;
    let alice: string;
    let settings: Record<string, string>;

    const cli = (args: string[], input?: string) =>
      run(join(ROOT, 'bin', 'nest-sso'), args, { cwd: dir, env: childEnv(settings), input });

    const createUser = async (email: string) => {
      const created = await cli(
        ['users:create', '--email', email, '--password-stdin'],
        `${PASSWORD}\n`,
      );
      expect(created).toMatchObject({ code: 0, stderr: '' });
      return /Created user ([0-9a-f-]{36})/.exec(created.stdout)![1];
    };

    const registerClient = async (
      name: string,
      web: string,
      extraRedirects: string[] = [],
    ): Promise<Registered> => {
      const created = await cli([
        'clients:create',
        '--name',
        name,
        '--redirect-uri',
        `${web}/callback`,
        ...extraRedirects.flatMap((uri) => ['--redirect-uri', uri]),
        '--post-logout-redirect-uri',
        `${web}/`,
        '--backchannel-logout-uri',
        `${web}/backchannel-logout`,
        '--type',
        'confidential',
        '--first-party',
      ]);
      expect(created).toMatchObject({ code: 0, stderr: '' });
      const id = /^Created client (\S+) "/m.exec(created.stdout)?.[1];
      const secret = /^Client secret \(shown once\): (\S+)$/m.exec(created.stdout)?.[1];
      if (!id || !secret) throw new Error(`Unexpected clients:create output:\n${created.stdout}`);
      return { id, secret };
    };

    beforeAll(async () => {
      ensureBuilt();
      const [ssoPort, portA, portB] = await Promise.all([freePort(), freePort(), freePort()]);
      const ssoUrl = `http://127.0.0.1:${ssoPort}`;
      issuer = ssoUrl;
      ssoPages = `${ssoUrl}/oidc/`;
      settings = {
        NODE_ENV: 'development',
        ...databaseSettings(dir),
        SSO_KEY_STORE_ROOT: join(dir, 'keys'),
        SSO_PUBLIC_URL: ssoUrl,
        // The issuer of authorization tokens. An absolute URI: oidc-provider takes it as the
        // resource indicator (RFC 8707) of every access token, and refuses "nest-sso".
        SSO_IDENTITY: IDENTITY,
        SSO_AUTHORIZATION_AUDIENCE: `${IDENTITY},orders`,
        SSO_OIDC_ALLOW_PRIVATE_BACKCHANNEL: 'true',
        // Two failures lock a login name for ten minutes: the lockout test needs no more.
        SSO_LOGIN_FREE_ATTEMPTS: '2',
        SSO_LOGIN_LOCKOUT_BASE: '600',
        SSO_RATE_LIMIT_LOGIN: '0',
      };
      sso = await startServerProcess(dir, { ...settings, PORT: String(ssoPort) });

      alice = await createUser(`alice-${process.pid}@example.com`);
      const webUrlA = `http://127.0.0.1:${portA}`;
      const webUrlB = `http://127.0.0.1:${portB}`;
      const clientA = await registerClient('App A', webUrlA);
      // A second redirect URI for client B, where nothing listens: the test plays client B there.
      testRedirect = `http://127.0.0.1:${await freePort()}/test-callback`;
      clientB = await registerClient('App B', webUrlB, [testRedirect]);

      service = await startAppProcess('example-service', {
        SSO_ISSUER: IDENTITY,
        SSO_CLIENT_IDENTITY: 'orders',
        SSO_JWKS_URL: `${ssoUrl}/.well-known/jwks.json`,
      });
      const web = (name: string, port: number, client: Registered) =>
        startAppProcess(
          'example-web',
          {
            APP_NAME: name,
            OIDC_ISSUER: issuer,
            OIDC_CLIENT_ID: client.id,
            OIDC_CLIENT_SECRET: client.secret,
            OIDC_REDIRECT_URI: `http://127.0.0.1:${port}/callback`,
            EXAMPLE_SERVICE_URL: service.url,
          },
          { port },
        );
      [webA, webB, browser] = await Promise.all([
        web('App A', portA, clientA),
        web('App B', portB, clientB),
        launchChromium(),
      ]);
      // One browser: the apps and the identity server see the same cookies.
      context = await browser.newContext();
    }, 180_000);

    afterAll(async () => {
      await context?.close();
      await browser?.close();
      await Promise.all([webA?.stop(), webB?.stop(), service?.stop()]);
      await sso?.stop();
    });

    /** Every HTML page the browser was served while `action` ran. */
    const pagesDuring = async (page: Page, action: () => Promise<unknown>) => {
      const bodies: Promise<string>[] = [];
      const listener = (response: import('playwright-core').Response) => {
        if (response.request().resourceType() === 'document' && response.status() === 200)
          bodies.push(response.text().catch(() => ''));
      };
      page.on('response', listener);
      try {
        await action();
      } finally {
        page.off('response', listener);
      }
      return Promise.all(bodies);
    };

    let page: Page;

    it('should sign in to app A through the hosted login page', async () => {
      page = await context.newPage();
      await page.goto(webA.url);
      await expect(page.textContent('#status')).resolves.toBe('You are signed out');
      await page.click('#sign-in');
      await page.waitForURL((url) => url.toString().startsWith(ssoPages));
      // The hosted page, labelled inputs and all.
      const login = page.getByLabel('Email or username');
      const password = page.getByLabel('Password');
      await expect(login.isVisible()).resolves.toBe(true);
      await expect(password.isVisible()).resolves.toBe(true);
      mkdirSync(ARTEFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTEFACTS, 'login-page.png') });

      await login.fill(`alice-${process.pid}@example.com`);
      await password.fill(PASSWORD);
      await Promise.all([page.waitForURL(`${webA.url}/`), password.press('Enter')]);
      await expect(page.textContent('#who')).resolves.toBe(`alice-${process.pid}@example.com`);
      const names = await page.locator('#claims th').allTextContents();
      expect(names).toEqual(expect.arrayContaining(['iss', 'sub', 'aud', 'sid', 'nonce']));
      const claims = await page.locator('#claims').textContent();
      expect(claims).toContain(issuer);
      expect(claims).toContain(alice);
    });

    it('should sign in to app B with no password form, also after the identity server restarted', async () => {
      // A restart between the two sign-ins, as in development: the browser's sign-in at the
      // identity server outlives it (its cookies are signed by a key that outlives it too).
      const port = new URL(sso.url).port;
      await sso.stop();
      sso = await startServerProcess(dir, { ...settings, PORT: port });
      const pageB = await context.newPage();
      await pageB.goto(webB.url);
      await expect(pageB.textContent('#status')).resolves.toBe('You are signed out');
      const served = await pagesDuring(pageB, () =>
        // Until App B shows who is signed in, or a password form: every page of the round trip
        // is recorded.
        Promise.all([
          pageB.waitForSelector('#who, input[type="password"]'),
          pageB.click('#sign-in'),
        ]),
      );
      expect(served.filter((html) => html.includes('type="password"'))).toEqual([]);
      await expect(pageB.textContent('#who')).resolves.toBe(`alice-${process.pid}@example.com`);
    });

    it('should let app B call example-service with its access token (200, as alice)', async () => {
      const pageB = await context.newPage();
      await pageB.goto(webB.url);
      await pageB.click('#call-service');
      await expect(pageB.textContent('#service-status')).resolves.toBe('200');
      const body = JSON.parse((await pageB.textContent('#service-body'))!) as Record<
        string,
        unknown
      >;
      expect(body).toMatchObject({ uid: alice, issuer: IDENTITY });
    });

    let refreshTokenB: string;
    let configB: oidc.Configuration;

    it("should hold a working refresh token of app B's client in the same browser session", async () => {
      // The test plays client B itself (its id and secret), in the same browser, with its own
      // redirect URI: the browser's request there carries the code.
      configB = await oidc.discovery(
        new URL(issuer),
        clientB.id,
        undefined,
        oidc.ClientSecretBasic(clientB.secret),
        { execute: [oidc.allowInsecureRequests] },
      );
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const target = oidc.buildAuthorizationUrl(configB, {
        redirect_uri: testRedirect,
        scope: 'openid email offline_access',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      });
      const tab = await context.newPage();
      let callback: URL | undefined;
      tab.on('request', (request) => {
        if (request.url().startsWith(testRedirect)) callback = new URL(request.url());
      });
      await tab.goto(target.toString()).catch(() => undefined); // nothing listens there
      await waitFor(() => callback !== undefined, 'the redirect with a code', 15_000);
      const tokens = await oidc.authorizationCodeGrant(configB, callback!, {
        pkceCodeVerifier: verifier,
        expectedState: state,
      });
      expect(tokens.refresh_token).toEqual(expect.any(String));
      // It works now (so that its refusal below is the logout's doing).
      const refreshed = await oidc.refreshTokenGrant(configB, tokens.refresh_token!);
      refreshTokenB = refreshed.refresh_token ?? tokens.refresh_token!;
      await tab.close();
    });

    it('should sign out everywhere from app A: B shows signed out (back-channel), its refresh token is refused', async () => {
      await page.goto(webA.url);
      await page.click('#sign-out');
      // oidc-provider may ask to confirm the logout; the user says yes.
      await page.waitForURL(
        (url) => url.toString().startsWith(ssoPages) || url.toString() === `${webA.url}/`,
      );
      if (page.url().startsWith(ssoPages))
        await Promise.all([
          page.waitForURL(`${webA.url}/`),
          page
            .getByRole('button', { name: /sign.*out|yes/i })
            .first()
            .click(),
        ]);
      await expect(page.textContent('#status')).resolves.toBe('You are signed out');

      const pageB = await context.newPage();
      await waitFor(
        async () => {
          await pageB.goto(webB.url);
          return (await pageB.textContent('#status')) === 'You are signed out';
        },
        "app B's back-channel logout",
        10_000,
      );
      expect(webB.output()).toMatch(/Back-channel logout: ended [1-9]\d* session/);

      const refused = await oidc.refreshTokenGrant(configB, refreshTokenB).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(oidc.ResponseBodyError);
      expect((refused as oidc.ResponseBodyError).error).toBe('invalid_grant');
    });

    it('should show a locked-out user the lockout message on the hosted page', async () => {
      const email = `bob-${process.pid}@example.com`;
      await createUser(email);
      const fresh = await browser.newContext();
      try {
        const tab = await fresh.newPage();
        await tab.goto(webA.url);
        await tab.click('#sign-in');
        await tab.waitForURL((url) => url.toString().startsWith(ssoPages));
        // Wrong passwords, past SSO_LOGIN_FREE_ATTEMPTS=2, lock the name...
        for (let attempt = 1; attempt <= 3; attempt++) {
          await tab.getByLabel('Email or username').fill(email);
          await tab.getByLabel('Password').fill(`wrong password ${attempt}`);
          await Promise.all([tab.waitForLoadState(), tab.getByLabel('Password').press('Enter')]);
          await expect(tab.getByRole('alert').textContent()).resolves.toBeTruthy();
        }
        // ...and then the right one is refused too, with the lockout message.
        await tab.getByLabel('Email or username').fill(email);
        await tab.getByLabel('Password').fill(PASSWORD);
        await Promise.all([tab.waitForLoadState(), tab.getByLabel('Password').press('Enter')]);
        await expect(tab.getByRole('alert').textContent()).resolves.toMatch(/locked|too many/i);
        expect(tab.url().startsWith(ssoPages)).toBe(true);
        await tab.screenshot({ path: join(ARTEFACTS, 'login-page-locked.png') });
      } finally {
        await fresh.close();
      }
    });
  },
);
