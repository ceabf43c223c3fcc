import { readFileSync } from 'node:fs';

type Env = Record<string, string | undefined>;

/** The example web app's settings (see docs/browser-sso.md), read once from the environment. */
export interface ExampleWebConfig {
  port: number;
  host: string;
  /** The name shown on every page, so that two instances side by side can be told apart. */
  appName: string;
  /** The OpenID Provider's issuer URL: the identity server's SSO_PUBLIC_URL. */
  issuer: URL;
  clientId: string;
  /** Absent for a public client, which authenticates with PKCE alone. */
  clientSecret: string | undefined;
  redirectUri: URL;
  postLogoutRedirectUri: URL;
  /** Space-separated OAuth 2.0 scopes requested at sign-in. */
  scope: string;
  /** The one JWS algorithm accepted on ID tokens and logout tokens (pinned, never taken from the token). */
  signingAlgorithm: string;
  /** Where apps/example-service listens; its `/whoami` is called with the access token. */
  exampleServiceUrl: URL;
  /** The name of this app's session cookie: unique per instance, since cookies ignore the port. */
  cookieName: string;
}

const ALGORITHMS = ['RS256', 'ES256'];

/** Parses the settings; each error names the variable and what is wrong with it. */
export function exampleWebConfig(env: Env): ExampleWebConfig {
  const port = Number(env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`PORT must be a port number (got "${env.PORT}")`);
  const clientId = env.OIDC_CLIENT_ID ?? '';
  if (!clientId) throw new Error('OIDC_CLIENT_ID must be set (the client id from clients:create)');
  const redirectUri = url(env, 'OIDC_REDIRECT_URI', `http://localhost:${port}/callback`);
  const signingAlgorithm = env.OIDC_SIGNING_ALG ?? 'RS256';
  if (!ALGORITHMS.includes(signingAlgorithm))
    throw new Error(
      `OIDC_SIGNING_ALG must be one of ${ALGORITHMS.join(', ')} (got "${signingAlgorithm}")`,
    );
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    appName: env.APP_NAME ?? 'Example web app',
    issuer: url(env, 'OIDC_ISSUER', 'http://localhost:3000'),
    clientId,
    clientSecret: clientSecret(env),
    redirectUri,
    postLogoutRedirectUri: url(
      env,
      'OIDC_POST_LOGOUT_REDIRECT_URI',
      new URL('/', redirectUri).toString(),
    ),
    scope: env.OIDC_SCOPE ?? 'openid email offline_access',
    signingAlgorithm,
    exampleServiceUrl: url(env, 'EXAMPLE_SERVICE_URL', 'http://localhost:3001'),
    cookieName: `example_web_${clientId.replace(/[^A-Za-z0-9]/g, '_')}`,
  };
}

/** OIDC_CLIENT_SECRET, or the first line of the file OIDC_CLIENT_SECRET_FILE names (a Compose secret). */
function clientSecret(env: Env): string | undefined {
  if (env.OIDC_CLIENT_SECRET_FILE) {
    try {
      return readFileSync(env.OIDC_CLIENT_SECRET_FILE, 'utf8').split('\n')[0].trim() || undefined;
    } catch (error) {
      throw new Error(
        `OIDC_CLIENT_SECRET_FILE cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
  }
  return env.OIDC_CLIENT_SECRET || undefined;
}

function url(env: Env, name: string, fallback: string): URL {
  const value = env[name] ?? fallback;
  try {
    const parsed = new URL(value);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error();
    return parsed;
  } catch {
    throw new Error(`${name} must be an http(s) URL (got "${value}")`);
  }
}
