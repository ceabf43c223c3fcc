import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { SsoConfig } from '@nest-sso/config';
import type { SigningKey } from '@nest-sso/keys';
import { AUTHORIZATION_TOKEN, type AuthorizationClaims } from '@nest-sso/tokens';
import type { UsersService } from '@nest-sso/users';
import { createOidcAdapter } from './oidc-adapter';

/** Where the provider is mounted, below the public URL; its issuer is the public URL plus this. */
export const OIDC_PREFIX = '/oidc';

/** The OpenID Connect issuer (ID tokens' `iss`): the public URL with the provider's prefix. */
export function oidcIssuer(config: Pick<SsoConfig, 'publicUrl'>): string {
  return `${config.publicUrl}${OIDC_PREFIX}`;
}

/** What the provider needs from the rest of the server. */
export interface OidcProviderDeps {
  config: SsoConfig;
  dataSource: DataSource;
  users: UsersService;
  /** The key that signs for `SSO_IDENTITY` now: it signs ID tokens and access tokens alike. */
  signingKey: SigningKey;
  cookieKeys: string[];
  /** Called once per token issued, with its grant type (metrics). */
  onTokenIssued?: (grantType: string) => void;
}

/** SHA-256 of a client secret, hex: what `oidc_clients.secret_hash` stores. */
export function hashClientSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Builds an oidc-provider instance configured for nest-sso (see docs/oidc.md). oidc-provider is
 * an ES module, loaded with a dynamic import so that the CommonJS build can use it.
 */
export async function createOidcProvider(deps: OidcProviderDeps): Promise<Provider> {
  const { default: ProviderClass } = await import('oidc-provider');
  const { config, signingKey } = deps;
  const jwk = {
    ...signingKey.privateKey.export({ format: 'jwk' }),
    kid: signingKey.kid,
    alg: signingKey.algorithm,
    use: 'sig',
  };
  const configuration: Configuration = {
    adapter: createOidcAdapter(deps.dataSource),
    jwks: { keys: [jwk] },
    cookies: { keys: deps.cookieKeys },
    clientDefaults: {
      id_token_signed_response_alg: signingKey.algorithm,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    enabledJWA: { idTokenSigningAlgValues: [signingKey.algorithm] },
    extraClientMetadata: { properties: ['permissions'] },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    responseTypes: ['code'],
    // S256 for every client that uses PKCE, required of public clients (they hold no secret).
    pkce: { required: (_ctx, client) => client.tokenEndpointAuthMethod === 'none' },
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: {
      openid: ['sub'],
      email: ['email'],
      profile: ['preferred_username'],
    },
    // No userinfo endpoint: access tokens are nest-sso authorization tokens for downstream
    // services; the ID token carries the claims instead.
    conformIdTokenClaims: false,
    findAccount: async (_ctx, sub) => {
      const user = await deps.users.findById(sub);
      if (!user || !user.isActive) return undefined;
      return {
        accountId: user.id,
        claims: () => ({
          sub: user.id,
          email: user.email,
          preferred_username: user.username ?? undefined,
        }),
      };
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      backchannelLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Every access token is for the downstream services (SSO_AUTHORIZATION_AUDIENCE).
        defaultResource: () => config.identity,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, _resource, client) => ({
          // A client_credentials token carries at most the client's permissions; others
          // requested are dropped (RFC 6749 section 3.3).
          scope: permissionsOf(client).join(' '),
          audience: config.identity,
          accessTokenFormat: 'jwt',
          accessTokenTTL: config.authorizationExpiration,
          jwt: { sign: { alg: signingKey.algorithm } },
        }),
      },
    },
    ttl: {
      AccessToken: config.authorizationExpiration,
      ClientCredentials: config.authorizationExpiration,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
      RefreshToken: 14 * 24 * 3600,
    },
    formats: {
      customizers: {
        // Access tokens are nest-sso authorization tokens (docs/oidc.md): same claims, issuer,
        // audiences and header as POST /authorize, so every verifier accepts them unchanged.
        jwt: (ctx, token, jwt) => {
          const now = Math.floor(Date.now() / 1000);
          const clientId = (token as { clientId: string }).clientId;
          if (token.kind === 'ClientCredentials') {
            // The scopes requested, which the provider already held to the client's permissions;
            // all of the client's permissions when the request named none.
            const permissions = token.client ? permissionsOf(token.client) : [];
            const requested =
              ctx?.oidc.params?.scope === undefined
                ? permissions
                : ((token as { scope?: string }).scope ?? '').split(' ');
            const granted = requested.filter((scope) => permissions.includes(scope));
            const claims: AuthorizationClaims = {
              token: AUTHORIZATION_TOKEN,
              // No session stands behind a client's own token: a fresh id that names none.
              sid: randomUUID(),
              cid: clientId,
              uid: `client:${clientId}`,
              email: '',
              scopes: granted,
              iss: config.identity,
              aud: config.authorizationAudience,
              iat: now,
              exp: now + config.authorizationExpiration,
              sub: `client:${clientId}`,
              jti: randomUUID(),
            };
            jwt.payload = claims;
          }
          jwt.header = { typ: 'JWT', kid: signingKey.kid };
          deps.onTokenIssued?.(
            token.kind === 'ClientCredentials' ? 'client_credentials' : 'authorization_code',
          );
        },
      },
    },
    // oidc-provider refuses outgoing requests (back-channel logout) to loopback and private
    // addresses; development and tests run their relying parties on 127.0.0.1.
    fetch: (url, options) => {
      if (config.oidcAllowPrivateBackchannel)
        delete (options as { dispatcher?: unknown }).dispatcher;
      return fetch(url, options);
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = errorPage(out.error, out.error_description);
    },
  };
  const provider = new ProviderClass(oidcIssuer(config), configuration);
  provider.proxy = config.trustedProxies.length > 0;
  // Secrets are stored hashed: compare the presented one's hash, in constant time.
  provider.Client.prototype.compareClientSecret = function (
    this: { clientSecret?: string },
    actual: string,
  ): boolean {
    if (!this.clientSecret) return false;
    const expected = Buffer.from(this.clientSecret, 'hex');
    const presented = Buffer.from(hashClientSecret(actual), 'hex');
    return expected.length === presented.length && timingSafeEqual(expected, presented);
  };
  return provider;
}

/** The permissions registered for a client (`oidc_clients.permissions`). */
function permissionsOf(client: object): string[] {
  const permissions = (client as { permissions?: unknown }).permissions;
  return Array.isArray(permissions) ? (permissions as string[]) : [];
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string | undefined): string {
  return (value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function errorPage(error: string, description: string | undefined): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head>
<body><main><h1>Sign-in error</h1><p><code>${escapeHtml(error)}</code></p><p>${escapeHtml(description)}</p></main></body></html>`;
}

export type { KoaContextWithOIDC };
