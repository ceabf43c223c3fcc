import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJwt } from 'jose';
import type Provider from 'oidc-provider';
import type { LoginUseCase } from '@nest-sso/auth';
import { SsoError } from '@nest-sso/common';
import type { IpRateLimiter } from '@nest-sso/throttling';
import { type OidcHooks, scopeOf } from './oidc-provider.factory';
import { consentPage, errorPage, loginPage, PAGE_CSP } from './pages';

/** The browser's SSO cookie: the session token of its nest-sso session. */
export const SSO_COOKIE = 'nest_sso';
/** Largest form body accepted, in bytes. */
const FORM_LIMIT = 8 * 1024;

export interface InteractionDeps {
  login: () => LoginUseCase;
  ipLimiter: IpRateLimiter;
  /**
   * The keys of the CSRF tokens (`SSO_OIDC_COOKIE_KEYS`, newest first): the first makes them,
   * every one is accepted, so a form open while the keys rotate still posts.
   */
  csrfKeys: string[];
  secureCookies: boolean;
  /** The active nest-sso session of this SSO cookie for `accountId`, or `null`. */
  ssoSession(token: string | undefined, accountId: string): Promise<{ sid: string } | null>;
  /**
   * The user (OIDC account id) and sign-in time (seconds since the epoch) of this SSO cookie's
   * nest-sso session if it is active, whoever the user; `null` otherwise.
   */
  activeSsoSession(
    token: string | undefined,
  ): Promise<{ accountId: string; authTime: number } | null>;
  /** Counts a sign-in for the client (metrics). */
  onLogin(clientId: string): void;
  /**
   * The OIDC account id (`sub`: the user's UUID) of a session token's `uid`, which is the numeric
   * id for users imported from DRF-SSO; `null` if no such user.
   */
  accountOf(uid: string | number): Promise<string | null>;
  createGrant: OidcHooks['createGrant'];
  /** Remembers the user's consent to the client's scopes, for every later sign-in (audited). */
  recordConsent(input: {
    accountId: string;
    clientId: string;
    scopes: string[];
    sid: string;
    ipAddress: string;
  }): Promise<void>;
}

/**
 * The hosted pages of the interaction (`/oidc/interaction/:uid`): sign-in and consent. Every
 * POST carries a CSRF token bound to the interaction (HMAC of its id), which oidc-provider binds
 * to this browser by its interaction cookie. Sign-in goes through `LoginUseCase`, so it has the
 * same lockout, argon2 check and audit events as `POST /session`, and the per-IP login budget
 * (`clientIp`: the caller's address resolved through `SSO_TRUSTED_PROXIES`, as for the API).
 */
export async function handleInteraction(
  deps: InteractionDeps,
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  clientIp: string,
): Promise<void> {
  const match = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/login|\/consent)?$/.exec(
    path.split('?')[0],
  );
  if (!match) return send(res, 404, errorPage('Not found', 'This page does not exist.'));
  const [, uid, action] = match;
  let details: Awaited<ReturnType<Provider['interactionDetails']>>;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    return send(
      res,
      400,
      errorPage('Sign-in expired', 'Go back to the application and sign in again.'),
    );
  }
  if (details.uid !== uid)
    return send(
      res,
      400,
      errorPage('Sign-in expired', 'Go back to the application and sign in again.'),
    );
  const clientId = String(details.params.client_id);
  const client = await provider.Client.find(clientId);
  const clientName = client?.clientName ?? 'the application';
  const csrfOf = (key: string) =>
    createHmac('sha256', key).update(`csrf:${uid}`).digest('base64url');
  const csrf = csrfOf(deps.csrfKeys[0]);
  const base = `/oidc/interaction/${uid}`;

  if (req.method === 'GET' && !action) {
    // The provider has no session of its own (its cookie expired, or its cookie keys changed)
    // but the browser's SSO cookie names an active nest-sso session: that sign-in stands, as it
    // does for every other app of this browser. Only when the missing provider session is the one
    // reason to ask: prompt=login and an exceeded max_age still get the form.
    const reasons = details.prompt.reasons;
    if (details.prompt.name === 'login' && reasons.length === 1 && reasons[0] === 'no_session') {
      const active = await deps.activeSsoSession(cookieOf(req, SSO_COOKIE));
      if (active) {
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: active.accountId, ts: active.authTime } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
    }
    if (details.prompt.name === 'login') {
      const hint = details.params.login_hint;
      return send(
        res,
        200,
        loginPage({
          action: `${base}/login`,
          csrf,
          clientName,
          login: typeof hint === 'string' ? hint.slice(0, 254) : undefined,
        }),
      );
    }
    const scopes = scopeOf(details.params.scope).split(' ');
    return send(res, 200, consentPage({ action: `${base}/consent`, csrf, clientName, scopes }));
  }
  if (req.method !== 'POST' || !action)
    return send(res, 405, errorPage('Not allowed', 'Use the form.'));
  const form = await readForm(req);
  if (!form) return send(res, 400, errorPage('Bad request', 'The form could not be read.'));
  const presented = form.get('csrf');
  if (!deps.csrfKeys.some((key) => sameToken(presented, csrfOf(key)))) {
    return send(
      res,
      403,
      errorPage(
        'Sign-in expired',
        'The form expired. Go back to the application and sign in again.',
      ),
    );
  }

  if (action === '/login') {
    if (details.prompt.name !== 'login')
      return send(res, 400, errorPage('Bad request', 'No sign-in is pending.'));
    const login = (form.get('login') ?? '').slice(0, 254);
    const ip = clientIp;
    const again = (status: number, error: string) =>
      send(res, status, loginPage({ action: `${base}/login`, csrf, clientName, login, error }));
    let token: string;
    try {
      await deps.ipLimiter.consume('login', ip);
      token = await deps.login().execute({
        login,
        password: form.get('password') ?? '',
        clientId,
        ipAddress: ip,
        userAgent: req.headers['user-agent'],
      });
    } catch (error) {
      if (error instanceof SsoError) {
        if (error.code === 'too_many_attempts' || error.code === 'rate_limited') {
          return again(429, 'Too many attempts. Wait a moment, then try again.');
        }
        if (error.code === 'invalid_credentials' || error.code === 'validation_failed') {
          // One message for unknown user, wrong password and inactive user.
          return again(401, 'Incorrect email, username or password.');
        }
      }
      throw error;
    }
    const accountId = await deps.accountOf(decodeJwt(token).uid as string | number);
    if (accountId === null) return again(401, 'Incorrect email, username or password.');
    deps.onLogin(clientId);
    res.setHeader('Set-Cookie', ssoCookie(token, deps.secureCookies));
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId } },
      { mergeWithLastSubmission: false },
    );
    return;
  }

  // consent
  if (details.prompt.name !== 'consent' || !details.session?.accountId) {
    return send(res, 400, errorPage('Bad request', 'No consent is pending.'));
  }
  if (form.get('decision') !== 'allow') {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The user denied access' },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const accountId = details.session.accountId;
  const sso = await deps.ssoSession(cookieOf(req, SSO_COOKIE), accountId);
  if (!sso)
    return send(
      res,
      400,
      errorPage('Sign-in expired', 'Go back to the application and sign in again.'),
    );
  const scopes = scopeOf(details.params.scope).split(' ');
  const grantId = await deps.createGrant({ provider, accountId, clientId, scopes, sid: sso.sid });
  await deps.recordConsent({
    accountId,
    clientId,
    scopes,
    sid: sso.sid,
    ipAddress: clientIp,
  });
  await provider.interactionFinished(
    req,
    res,
    { consent: { grantId } },
    { mergeWithLastSubmission: true },
  );
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': PAGE_CSP,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  });
  res.end(html);
}

/** The SSO cookie: HttpOnly, SameSite=Lax, Secure when the public URL is https. */
function ssoCookie(token: string, secure: boolean): string {
  return `${SSO_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** A cookie of the request, by name. */
export function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function sameToken(presented: string | null, expected: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The urlencoded form body, or `null` if it is not one, is too large or carries a NUL. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
    return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > FORM_LIMIT) return null;
    chunks.push(chunk as Buffer);
  }
  const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  // No field may carry U+0000: nothing stored can hold it (PostgreSQL text).
  for (const [key, value] of form) if (key.includes('\0') || value.includes('\0')) return null;
  return form;
}
