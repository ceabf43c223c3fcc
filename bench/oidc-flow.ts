import { createHash, randomBytes } from 'node:crypto';

/** The provider's endpoints, as its discovery document names them (absolute URLs). */
export interface OidcEndpoints {
  issuer: string;
  authorization: string;
  token: string;
}

/** A registered client, as the benchmark drives it. */
export interface BenchClient {
  id: string;
  /** `null` for a public client: PKCE, and `client_id` in the token request's body. */
  secret: string | null;
  redirectUri: string;
}

/** The token endpoint's answer (RFC 6749 section 5.1), the fields the benchmark reads. */
export interface TokenAnswer {
  access_token?: string;
  id_token?: string;
  refresh_token?: string;
}

/**
 * The provider's discovery document (OpenID Connect Discovery 1.0, section 4) at the issuer's
 * `/.well-known/openid-configuration`; the issuer is the server's public URL, `base` here.
 */
export async function discoverOidc(base: string): Promise<OidcEndpoints> {
  const url = `${base}/.well-known/openid-configuration`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const { issuer, authorization_endpoint, token_endpoint } = (await response.json()) as Record<
    string,
    unknown
  >;
  if (
    typeof issuer !== 'string' ||
    typeof authorization_endpoint !== 'string' ||
    typeof token_endpoint !== 'string'
  ) {
    throw new Error(`${url} is not an OpenID Provider's discovery document`);
  }
  return { issuer, authorization: authorization_endpoint, token: token_endpoint };
}

/**
 * A browser without JavaScript (as test/support/oidc.ts's TestBrowser): a cookie jar, and
 * redirects followed by hand until one leads to the client's redirect URI, whose code it reads.
 */
export class BenchBrowser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly endpoints: OidcEndpoints) {}

  /**
   * Signs in at the hosted login page (the first authorization of this browser) and returns the
   * code it ends with. Afterwards the provider's session cookie signs the browser in.
   */
  async signIn(
    client: BenchClient,
    login: string,
    password: string,
  ): Promise<{ code: string; verifier?: string }> {
    const { url, verifier } = authorizationUrl(this.endpoints, client);
    const page = await this.follow(url, client.redirectUri);
    if (page.code) throw new Error('Expected the login page, got a code');
    const html = await page.response.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    if (!action || !csrf) throw new Error(`No login form at ${page.url} (${page.response.status})`);
    const posted = await this.request(new URL(action.replaceAll('&amp;', '&'), page.url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, login, password }).toString(),
    });
    const done = await this.followFrom(posted, page.url, client.redirectUri);
    if (!done.code) throw new Error(`Sign-in did not end with a code (${done.response.status})`);
    return { code: done.code, verifier };
  }

  /**
   * One authorization of a signed-in browser: `GET` the authorization endpoint, which answers
   * with a redirect to the client carrying a fresh code. With its PKCE verifier for a public
   * client.
   */
  async code(client: BenchClient): Promise<{ code: string; verifier?: string }> {
    const { url, verifier } = authorizationUrl(this.endpoints, client);
    const done = await this.follow(url, client.redirectUri);
    if (!done.code) throw new Error(`No code: ${done.response.status} at ${done.url}`);
    return { code: done.code, verifier };
  }

  private async request(url: string, init: RequestInit = {}): Promise<Response> {
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

  private async follow(url: string, redirectUri: string) {
    return this.followFrom(await this.request(url), url, redirectUri);
  }

  /** Follows `response`'s redirects until a page answers or one reaches the redirect URI. */
  private async followFrom(
    first: Response,
    from: string,
    redirectUri: string,
  ): Promise<{ response: Response; url: string; code?: string }> {
    let response = first;
    let url = from;
    for (let hops = 0; hops < 10; hops++) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { response, url };
      // The body of a redirect is not read: release the connection.
      await response.body?.cancel();
      url = new URL(location, url).href;
      if (url.startsWith(`${redirectUri}?`)) {
        const params = new URL(url).searchParams;
        const code = params.get('code');
        if (!code) throw new Error(`Redirected without a code: ${params.get('error')}`);
        return { response, url, code };
      }
      response = await this.request(url);
    }
    throw new Error('Too many redirects');
  }
}

/** An authorization request for `client` (PKCE S256 for a public client, RFC 7636). */
function authorizationUrl(endpoints: OidcEndpoints, client: BenchClient) {
  const url = new URL(endpoints.authorization);
  const verifier = client.secret === null ? randomBytes(32).toString('base64url') : undefined;
  const challenge = verifier && createHash('sha256').update(verifier).digest('base64url');
  url.search = new URLSearchParams({
    client_id: client.id,
    response_type: 'code',
    scope: 'openid email',
    redirect_uri: client.redirectUri,
    state: randomBytes(16).toString('base64url'),
    nonce: randomBytes(16).toString('base64url'),
    ...(challenge ? { code_challenge: challenge, code_challenge_method: 'S256' } : {}),
  }).toString();
  return { url: url.href, verifier };
}

/**
 * A token request (RFC 6749 section 3.2): HTTP Basic authentication for a confidential client
 * (section 2.3.1: id and secret form-encoded first), `client_id` in the body for a public one.
 */
export async function tokenRequest(
  endpoints: OidcEndpoints,
  client: BenchClient,
  params: Record<string, string>,
): Promise<{ status: number; answer: TokenAnswer }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const body = new URLSearchParams(params);
  if (client.secret === null) body.set('client_id', client.id);
  else {
    const pair = `${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  const response = await fetch(endpoints.token, { method: 'POST', headers, body: body.toString() });
  return { status: response.status, answer: (await response.json()) as TokenAnswer };
}

/** Whether an answer holds what a signed-in client needs: an ID token and an access token. */
export function issuedTokens(result: { status: number; answer: TokenAnswer }): boolean {
  return (
    result.status === 200 &&
    typeof result.answer.access_token === 'string' &&
    typeof result.answer.id_token === 'string'
  );
}
