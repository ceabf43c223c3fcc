import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser';
import { AppProcess, ensureBuilt, freePort, ROOT, startAppProcess } from './support/processes';

const ARTEFACTS = join(ROOT, 'test-results');

/**
 * apps/example-web as a real process in the real Chromium, on its own: what a visitor sees
 * before signing in, and how it behaves while the identity server cannot be reached.
 */
describe('example-web in Chromium', () => {
  let browser: Browser;
  let web: AppProcess;

  beforeAll(async () => {
    ensureBuilt();
    // An issuer on a port nothing listens on: the provider is down.
    const down = await freePort();
    [browser, web] = await Promise.all([
      launchChromium(),
      startAppProcess('example-web', {
        APP_NAME: 'App A',
        OIDC_ISSUER: `http://127.0.0.1:${down}`,
        OIDC_CLIENT_ID: 'app-a',
      }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it('should show a signed-out visitor a sign-in button under a strict CSP, and save a screenshot', async () => {
    const page = await browser.newPage();
    const response = await page.goto(web.url);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    await expect(page.title()).resolves.toBe('App A');
    await expect(page.textContent('#status')).resolves.toBe('You are signed out');
    await expect(page.getByRole('link', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    // The stylesheet loaded under that CSP: the button is styled, not a bare link.
    const background = await page.evaluate(
      "getComputedStyle(document.querySelector('#sign-in')).backgroundColor",
    );
    expect(background).toBe('rgb(47, 128, 237)');
    mkdirSync(ARTEFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTEFACTS, 'example-web-signed-out.png') });
  });

  it('should tell the visitor that signing in is unavailable while the provider is down', async () => {
    const page = await browser.newPage();
    await page.goto(web.url);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/login')),
      page.click('#sign-in'),
    ]);
    expect(response.status()).toBe(503);
    await expect(page.textContent('#error')).resolves.toContain(
      'The sign-in service is not reachable right now',
    );
    expect(web.output()).toContain('OpenID Connect discovery failed');
  });

  it('should refuse a back-channel logout without a logout token', async () => {
    const response = await fetch(`${web.url}/backchannel-logout`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'logout_token=',
    });
    expect(response.status).toBe(400);
    await expect(response.json()).resolves.toEqual({ error: 'invalid_request' });
  });
});
