import { createServer } from 'node:net';
import { Test } from '@nestjs/testing';
import * as oidc from 'openid-client';
import { Actors } from '@nest-sso/audit';
import { ClientAdminUseCase } from '@nest-sso/admin';
import type { ClientInput } from '@nest-sso/oidc';
import { SsoClientModule, SsoTokenVerifier } from '@nest-sso/sso-client';
import { startTestApp, TEST_IDENTITY, TestApp, TestAppOptions } from './test-app';

/** A test app listening on 127.0.0.1, whose public URL is its real address. */
export interface OidcTestApp extends TestApp {
  baseUrl: string;
  issuer: string;
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Boots the identity server listening on a free port (relying parties need real HTTP). */
export async function startOidcApp(options: TestAppOptions = {}): Promise<OidcTestApp> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const t = await startTestApp({
    ...options,
    env: { SSO_PUBLIC_URL: baseUrl, ...options.env },
  });
  await t.app.listen(port, '127.0.0.1');
  return { ...t, baseUrl, issuer: baseUrl };
}

/** Registers a client through the same use case as the CLI and the admin API. */
export function registerClient(t: TestApp, input: ClientInput) {
  return t.app.get(ClientAdminUseCase).create(Actors.cli(), input);
}

/** openid-client's configuration for a client (plain http allowed: the test server is local). */
export function discover(
  t: OidcTestApp,
  clientId: string,
  secret?: string,
): Promise<oidc.Configuration> {
  return oidc.discovery(
    new URL(t.issuer),
    clientId,
    secret,
    secret === undefined ? oidc.None() : oidc.ClientSecretBasic(secret),
    { execute: [oidc.allowInsecureRequests] },
  );
}

/** A downstream service's verifier (libs/sso-client), reading the server's JWKS. */
export async function ssoClientVerifier(t: OidcTestApp): Promise<SsoTokenVerifier> {
  const module = await Test.createTestingModule({
    imports: [
      SsoClientModule.forRoot({
        identity: TEST_IDENTITY,
        acceptedIssuers: [TEST_IDENTITY],
        keys: { jwks: { [TEST_IDENTITY]: `${t.baseUrl}/.well-known/jwks.json` } },
      }),
    ],
  }).compile();
  return module.get(SsoTokenVerifier);
}

/** A browser without JavaScript: fetch with a cookie jar, redirects followed by hand. */
export class TestBrowser {
  readonly cookies = new Map<string, string>();

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const [name, ...value] = pair.trim().split('=');
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value.join('=') === '') this.cookies.delete(name);
      else this.cookies.set(name, value.join('='));
    }
    return response;
  }

  /** Follows redirects on `base` until one leaves it (or a page answers); the last response. */
  async follow(url: string, base: string): Promise<{ response: Response; url: string }> {
    let current = url;
    for (let hops = 0; hops < 10; hops++) {
      const response = await this.request(current);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) {
        return { response, url: current };
      }
      current = new URL(location, current).href;
      if (!current.startsWith(base)) return { response, url: current };
    }
    throw new Error('Too many redirects');
  }

  /** Posts a urlencoded form, with `headers` besides its content type. */
  post(
    url: string,
    form: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return this.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }
}

/** The hidden CSRF token of a hosted page. */
export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('No CSRF token on the page');
  return match[1];
}
