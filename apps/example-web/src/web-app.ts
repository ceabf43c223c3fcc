import type { IncomingMessage, ServerResponse } from 'node:http';
import * as oidc from 'openid-client';
import { LogoutTokenVerifier } from './backchannel-logout';
import type { ExampleWebConfig } from './example-web-config';
import { errorPage, signedInPage, signedOutPage, STYLESHEET } from './pages';
import { SessionStore, WebSession } from './session-store';

const MAX_BODY_BYTES = 16 * 1024;

/** An OpenID Connect relying party (openid-client): sign-in, who-am-I, a service call, sign-out. */
export class ExampleWebApp {
  readonly sessions = new SessionStore();
  private discovered?: Promise<{ config: oidc.Configuration; logout: LogoutTokenVerifier }>;

  constructor(
    private readonly settings: ExampleWebConfig,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /** The Node.js request listener. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.route(req, res).catch((error: unknown) => {
      this.log(`${req.method} ${req.url?.split('?')[0]} failed: ${describe(error)}`);
      if (res.headersSent) res.end();
      else if (error instanceof ProviderUnavailable)
        this.html(res, 503, errorPage(this.settings.appName, error.message));
      else this.html(res, 500, errorPage(this.settings.appName, 'Something went wrong.'));
    });
  };

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.settings.redirectUri);
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'GET /':
        return this.home(req, res);
      case 'GET /style.css':
        res.writeHead(200, { 'Content-Type': 'text/css; charset=utf-8' }).end(STYLESHEET);
        return;
      case 'GET /health/live':
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"up"}');
        return;
      case 'GET /login':
        return this.login(res);
      case `GET ${this.settings.redirectUri.pathname}`:
        return this.callback(req, res, url);
      case 'POST /call-service':
        return this.callService(req, res);
      case 'POST /logout':
        return this.logout(req, res);
      case 'POST /backchannel-logout':
        return this.backchannelLogout(req, res);
      default:
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
    }
  }

  private home(req: IncomingMessage, res: ServerResponse): void {
    const session = this.sessions.get(this.cookie(req, this.settings.cookieName));
    this.html(
      res,
      200,
      session
        ? signedInPage(this.settings.appName, session.claims)
        : signedOutPage(this.settings.appName),
    );
  }

  /** Starts the authorization code flow with PKCE (S256), a state and a nonce. */
  private async login(res: ServerResponse): Promise<void> {
    const { config } = await this.provider();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const pending = this.sessions.startSignIn({ codeVerifier, state, nonce });
    const target = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri.toString(),
      scope: this.settings.scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    this.setCookie(res, `${this.settings.cookieName}_signin`, pending, 600);
    res.writeHead(303, { Location: target.toString() }).end();
  }

  /** The redirect back: the code exchanged, the ID token checked (iss, aud, nonce, signature). */
  private async callback(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const pending = this.sessions.takeSignIn(
      this.cookie(req, `${this.settings.cookieName}_signin`),
    );
    this.setCookie(res, `${this.settings.cookieName}_signin`, '', 0);
    if (!pending) {
      this.html(
        res,
        400,
        errorPage(
          this.settings.appName,
          'This sign-in expired or was already used. Please sign in again.',
        ),
      );
      return;
    }
    const { config } = await this.provider();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      this.html(res, 400, errorPage(this.settings.appName, describe(error)));
      return;
    }
    const claims = tokens.claims();
    if (!claims || !tokens.id_token) throw new Error('no ID token in the token response');
    const id = this.sessions.create({
      claims: { ...claims },
      idToken: tokens.id_token,
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      accessTokenExpiresAt: Date.now() + (tokens.expiresIn() ?? 0) * 1000,
    });
    this.setCookie(res, this.settings.cookieName, id);
    res.writeHead(303, { Location: '/' }).end();
  }

  /** Calls example-service's `/whoami` with the access token, refreshed first if it expired. */
  private async callService(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.sameOrigin(req)) return this.forbidden(res);
    const session = this.sessions.get(this.cookie(req, this.settings.cookieName));
    if (!session) {
      res.writeHead(303, { Location: '/' }).end();
      return;
    }
    if (Date.now() >= session.accessTokenExpiresAt - 5000 && session.refreshToken)
      await this.refresh(session);
    const answer = await fetch(new URL('/whoami', this.settings.exampleServiceUrl), {
      headers: { Authorization: `Bearer ${session.accessToken}` },
    });
    const body = await answer.text();
    this.html(
      res,
      200,
      signedInPage(this.settings.appName, session.claims, { status: answer.status, body }),
    );
  }

  private async refresh(session: WebSession): Promise<void> {
    const { config } = await this.provider();
    const tokens = await oidc.refreshTokenGrant(config, session.refreshToken!);
    session.accessToken = tokens.access_token;
    session.refreshToken = tokens.refresh_token ?? session.refreshToken;
    session.accessTokenExpiresAt = Date.now() + (tokens.expiresIn() ?? 0) * 1000;
  }

  /** Ends the local session, then RP-initiated logout at the provider (which logs out everywhere). */
  private async logout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.sameOrigin(req)) return this.forbidden(res);
    const id = this.cookie(req, this.settings.cookieName);
    const session = this.sessions.get(id);
    this.sessions.delete(id);
    this.setCookie(res, this.settings.cookieName, '', 0);
    const { config } = await this.provider();
    const endSession = config.serverMetadata().end_session_endpoint;
    const target =
      session && endSession
        ? oidc.buildEndSessionUrl(config, {
            id_token_hint: session.idToken,
            post_logout_redirect_uri: this.settings.postLogoutRedirectUri.toString(),
          })
        : new URL('/', this.settings.redirectUri);
    res.writeHead(303, { Location: target.toString() }).end();
  }

  /** OIDC Back-Channel Logout 1.0: the provider POSTs a logout token; its sessions end here. */
  private async backchannelLogout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };
    let token: string | null;
    try {
      token = new URLSearchParams(await readBody(req)).get('logout_token');
    } catch {
      token = null;
    }
    if (!token) {
      res.writeHead(400, headers).end('{"error":"invalid_request"}');
      return;
    }
    const { logout } = await this.provider();
    try {
      const { sid, sub } = await logout.verify(token);
      const ended = this.sessions.endByProviderSession(sid, sub);
      this.log(`Back-channel logout: ended ${ended} session(s)`);
      res.writeHead(200, headers).end();
    } catch (error) {
      this.log(`Back-channel logout refused: ${describe(error)}`);
      res
        .writeHead(400, headers)
        .end('{"error":"invalid_request","error_description":"invalid logout token"}');
    }
  }

  /** Discovery, once it succeeds (so the app starts, and shows its page, before the provider). */
  private provider(): Promise<{ config: oidc.Configuration; logout: LogoutTokenVerifier }> {
    this.discovered ??= this.discover().catch((error: unknown) => {
      this.discovered = undefined;
      this.log(`OpenID Connect discovery failed: ${describe(error)}`);
      throw new ProviderUnavailable();
    });
    return this.discovered;
  }

  private async discover(): Promise<{ config: oidc.Configuration; logout: LogoutTokenVerifier }> {
    const { issuer, clientId, clientSecret, signingAlgorithm } = this.settings;
    const config = await oidc.discovery(
      issuer,
      clientId,
      { id_token_signed_response_alg: signingAlgorithm },
      clientSecret ? oidc.ClientSecretBasic(clientSecret) : oidc.None(),
      // A plain-http issuer only for local demos; an https issuer needs nothing here.
      issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
    );
    const metadata = config.serverMetadata();
    if (!metadata.jwks_uri) throw new Error('the provider publishes no jwks_uri');
    const logout = new LogoutTokenVerifier(new URL(metadata.jwks_uri), {
      issuer: metadata.issuer,
      audience: clientId,
      algorithm: signingAlgorithm,
    });
    return { config, logout };
  }

  private html(res: ServerResponse, status: number, body: string): void {
    res
      .writeHead(status, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Security-Policy':
          "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'; " +
          `form-action 'self' ${this.settings.issuer.origin}`,
        'X-Content-Type-Options': 'nosniff',
        // Not no-referrer: with it, Chromium sends `Origin: null` on the app's own form posts.
        'Referrer-Policy': 'same-origin',
      })
      .end(body);
  }

  private forbidden(res: ServerResponse): void {
    res.writeHead(403, { 'Content-Type': 'text/plain' }).end('Cross-origin request refused');
  }

  /** Forms post from this app's own pages; SameSite=Lax already keeps other sites' cookies out. */
  private sameOrigin(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    return origin === undefined || origin === this.settings.redirectUri.origin;
  }

  private cookie(req: IncomingMessage, name: string): string | undefined {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const [key, ...value] = part.trim().split('=');
      if (key === name) return value.join('=') || undefined;
    }
    return undefined;
  }

  private setCookie(
    res: ServerResponse,
    name: string,
    value: string,
    maxAgeSeconds?: number,
  ): void {
    const secure = this.settings.redirectUri.protocol === 'https:' ? '; Secure' : '';
    const maxAge = maxAgeSeconds === undefined ? '' : `; Max-Age=${maxAgeSeconds}`;
    const cookies = res.getHeader('Set-Cookie');
    const list = Array.isArray(cookies) ? cookies : [];
    res.setHeader('Set-Cookie', [
      ...list,
      `${name}=${value}; Path=/; HttpOnly; SameSite=Lax${secure}${maxAge}`,
    ]);
  }
}

/** Discovery failed: the identity server is down or not an OpenID Provider (yet). */
class ProviderUnavailable extends Error {
  constructor() {
    super('The sign-in service is not reachable right now. Please try again in a moment.');
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** An error's code and message, never a token (openid-client errors carry none). */
function describe(error: unknown): string {
  if (error instanceof oidc.AuthorizationResponseError || error instanceof oidc.ResponseBodyError)
    return `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
