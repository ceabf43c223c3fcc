import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { SsoConfig } from '@nest-sso/config';
import type { SigningKey } from '@nest-sso/keys';
import { AUTHORIZATION_TOKEN, type AuthorizationClaims } from '@nest-sso/tokens';
import type { Membership } from '@nest-sso/accounts';
import type { User, UsersService } from '@nest-sso/users';
import { createOidcAdapter } from './oidc-adapter';
import { errorPage, logoutPage, PAGE_CSP, signedOutPage } from './pages';

/** Where the provider's endpoints are mounted, below the public URL (`/oidc/auth`, `/oidc/token`…). */
export const OIDC_PREFIX = '/oidc';

/**
 * The OpenID Connect issuer (ID tokens' `iss`, OpenID Connect Discovery 1.0 section 4): the public
 * URL itself, so that its discovery document is the server's `/.well-known/openid-configuration`.
 * Authorization tokens keep `SSO_IDENTITY` as theirs (DRF-SSO's issuer).
 */
export function oidcIssuer(config: Pick<SsoConfig, 'publicUrl'>): string {
  return config.publicUrl;
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
  hooks: OidcHooks;
}

/** What the provider asks of nest-sso's sessions while it runs. */
export interface OidcHooks {
  /**
   * The active nest-sso session behind this browser's SSO cookie, if its user is `accountId`;
   * `null` otherwise (no cookie, ended session, another user).
   */
  ssoSession(ctx: KoaContextWithOIDC, accountId: string): Promise<{ sid: string } | null>;
  /** A new grant of `scopes` for the client, bound to nest-sso session `sid`; its id. */
  createGrant(input: {
    provider: Provider;
    accountId: string;
    clientId: string;
    scopes: string[];
    sid: string;
  }): Promise<string>;
  /** Whether the user has consented to every OpenID Connect scope of `scopes` for the client. */
  consentCovers(input: { accountId: string; clientId: string; scopes: string[] }): Promise<boolean>;
  /** Ends the browser's nest-sso session (RP-initiated logout), and clears its SSO cookie. */
  endSsoSession(ctx: KoaContextWithOIDC): Promise<void>;
  /**
   * User `accountId`'s membership of `account` (an account id or name), or `null`; a refusal is
   * audited (`authorize_denied`, reason `not_a_member`) against the grant's nest-sso session.
   */
  membershipOf(input: {
    accountId: string;
    account: string;
    grantId: string;
    ipAddress?: string;
  }): Promise<Membership | null>;
  /**
   * The claims of a user's access token: a nest-sso authorization token, carrying the permissions
   * of the user's membership of `account` (an account id or name) when one is named; `null` when
   * the user is not a member of that account (or it does not exist).
   */
  accessTokenClaims(input: {
    accountId: string;
    clientId: string;
    grantId: string;
    account?: string;
    /** The user `accountId` names, when this request has read it already. */
    user?: User;
    /** The membership of `account`, when this request has read it already. */
    membership?: Membership;
  }): Promise<AuthorizationClaims | null>;
}

/** The one answer for "no such account" and "not a member" (as `POST /authorize` gives). */
const NOT_A_MEMBER = 'not a member of the requested account';

/** Whether a client is first-party (skips consent, gets refresh tokens without prompt=consent). */
export function isFirstParty(client: object): boolean {
  return (client as { first_party?: unknown }).first_party === true;
}

/** Whether a grant holds every OpenID Connect scope of `scopes`. */
function holdsScopes(grant: { getOIDCScopeEncountered(): string }, scopes: string[]): boolean {
  const held = new Set(grant.getOIDCScopeEncountered().split(' '));
  return scopes.every((scope) => held.has(scope));
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
  const { default: ProviderClass, errors } = await import('oidc-provider');
  const { config, signingKey } = deps;
  const jwk = {
    ...signingKey.privateKey.export({ format: 'jwk' }),
    kid: signingKey.kid,
    alg: signingKey.algorithm,
    use: 'sig',
  };
  const configuration: Configuration = {
    adapter: createOidcAdapter(
      deps.dataSource,
      (description) => new errors.InvalidRequest(description),
    ),
    jwks: { keys: [jwk] },
    cookies: { keys: deps.cookieKeys },
    clientDefaults: {
      id_token_signed_response_alg: signingKey.algorithm,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    enabledJWA: { idTokenSigningAlgValues: [signingKey.algorithm] },
    extraClientMetadata: { properties: ['permissions', 'first_party'] },
    interactions: {
      url: (_ctx, interaction) => `${OIDC_PREFIX}/interaction/${interaction.uid}`,
      policy: await loginPolicy(deps.hooks),
    },
    // A grant bound to the browser's nest-sso session is made here, with no consent page, for a
    // first-party client and for a client the user has allowed every requested scope before
    // (oidc_consents). Others get the consent page, and prompt=consent always does.
    loadExistingGrant: async (ctx) => {
      const session = ctx.oidc.session;
      const client = ctx.oidc.client;
      if (!session?.accountId || !client) return undefined;
      const sso = await deps.hooks.ssoSession(ctx, session.accountId);
      if (!sso) return undefined;
      // The grant the consent page just made, else the one this session holds for the client.
      const fromConsentPage = (ctx.oidc.result?.consent as { grantId?: string } | undefined)
        ?.grantId;
      const existingId = fromConsentPage ?? session.grantIdFor(client.clientId);
      const existing = existingId ? await ctx.oidc.provider.Grant.find(existingId) : undefined;
      const requested = [...ctx.oidc.requestParamOIDCScopes];
      if (existing && (fromConsentPage || holdsScopes(existing, requested))) return existing;
      const approved =
        isFirstParty(client) ||
        (!ctx.oidc.prompts.has('consent') &&
          (await deps.hooks.consentCovers({
            accountId: session.accountId,
            clientId: client.clientId,
            scopes: requested,
          })));
      // Not approved: the consent page, for the scopes the session's grant lacks.
      if (!approved) return existing;
      const grantId = await deps.hooks.createGrant({
        provider: ctx.oidc.provider,
        accountId: session.accountId,
        clientId: client.clientId,
        scopes: scopeOf(ctx.oidc.params?.scope).split(' '),
        sid: sso.sid,
      });
      return ctx.oidc.provider.Grant.find(grantId);
    },
    // Refresh tokens for first-party clients without prompt=consent; for others, only with
    // offline_access (which oidc-provider keeps only after a consent prompt).
    issueRefreshToken: (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') &&
      (isFirstParty(client) || code.scopes.has('offline_access')),
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
    findAccount: async (ctx, sub, token) => {
      const user = await deps.users.findById(sub);
      if (!user || !user.isActive) return undefined;
      // A token request naming an account: checked here, before a refresh token is rotated (and
      // an authorization code is spent), so a refused account costs the client nothing.
      const account = ctx.oidc.route === 'token' ? accountParameter(ctx, errors) : undefined;
      const grantId = (token as { grantId?: string } | undefined)?.grantId;
      let membership: Membership | undefined;
      if (account !== undefined && grantId !== undefined) {
        const found = await deps.hooks.membershipOf({
          accountId: user.id,
          account,
          grantId,
          ipAddress: ctx.ip,
        });
        if (!found) throw new errors.InvalidTarget(NOT_A_MEMBER);
        membership = found;
      }
      return {
        accountId: user.id,
        // Kept for the access token's claims in the same request (no second lookup).
        user,
        membership,
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
      // Access tokens are plain nest-sso authorization tokens, which carry no `cnf` binding, and
      // every request comes straight from the browser: no DPoP, no pushed requests.
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.type = 'html';
          ctx.set('Content-Security-Policy', PAGE_CSP);
          ctx.body = logoutPage(form, ctx.oidc.client?.clientName);
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.type = 'html';
          ctx.set('Content-Security-Policy', PAGE_CSP);
          ctx.body = signedOutPage();
        },
      },
      backchannelLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Every access token is for the downstream services (SSO_AUTHORIZATION_AUDIENCE).
        defaultResource: () => servicesResource(config.identity),
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
        jwt: async (ctx, token, jwt) => {
          const now = Math.floor(Date.now() / 1000);
          const clientId = (token as { clientId: string }).clientId;
          const account = accountParameter(ctx, errors);
          if (token.kind === 'ClientCredentials') {
            if (account !== undefined) {
              throw new errors.InvalidRequest(
                "account selects a user's membership; a client's own token has none",
              );
            }
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
          if (token.kind === 'AccessToken') {
            const { accountId, grantId } = token as { accountId: string; grantId: string };
            // What findAccount read in this request (oidc-provider keeps its answer on the ctx).
            const read = ctx?.oidc.account as { user?: User; membership?: Membership } | undefined;
            const claims = await deps.hooks.accessTokenClaims({
              accountId,
              clientId,
              grantId,
              account,
              user: read?.user,
              membership: read?.membership,
            });
            // One answer for "no such account" and "not a member", as POST /authorize gives.
            if (!claims) throw new errors.InvalidTarget(NOT_A_MEMBER);
            jwt.payload = claims;
          }
          jwt.header = { typ: 'JWT', kid: signingKey.kid };
          const grantType = ctx?.oidc.params?.grant_type;
          deps.onTokenIssued?.(typeof grantType === 'string' ? grantType : 'unknown');
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
      ctx.set('Content-Security-Policy', PAGE_CSP);
      ctx.body = errorPage('Sign-in error', out.error_description ?? out.error);
    },
  };
  const provider = new ProviderClass(oidcIssuer(config), configuration);
  // end_session ends the nest-sso session behind the browser too (oidc-provider has already
  // ended its own session and sent the back-channel logout tokens). Done once the route has run
  // but before the response is written, so that the SSO cookie can still be cleared after the
  // session check's await.
  const endedSessions = new WeakSet<object>();
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => endedSessions.add(ctx));
  provider.use(async (ctx, next) => {
    await next();
    if (endedSessions.has(ctx)) await deps.hooks.endSsoSession(ctx as KoaContextWithOIDC);
  });
  // OidcService sets the forwarding headers of every request it hands over (the public URL's
  // host and scheme, the client address resolved through SSO_TRUSTED_PROXIES): trust them.
  provider.proxy = true;
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
  // Every ID token names its session (sid), whatever the client registered: relying parties
  // match back-channel logout tokens to it.
  provider.Client.prototype.includeSid = () => true;
  includeAccessTokenHash(provider);
  return provider;
}

/**
 * Puts `at_hash` (OpenID Connect Core 1.0 section 3.1.3.6: the left half of the SHA-2 hash of the
 * access token, the hash of the ID token's `alg`) into every ID token issued beside an access
 * token, also at the token endpoint where oidc-provider omits it: relying parties can then check
 * that the two tokens of a response belong together. oidc-provider computes the hash of the value
 * set here; the value is the access token just saved in the same request.
 */
function includeAccessTokenHash(provider: Provider): void {
  const saved = new WeakMap<object, string>();
  const accessToken = provider.AccessToken.prototype as {
    save: (this: object, ...args: unknown[]) => Promise<string>;
  };
  const save = accessToken.save;
  accessToken.save = async function (this: object, ...args: unknown[]): Promise<string> {
    const value = await save.apply(this, args);
    saved.set(this, value);
    return value;
  };
  const idToken = provider.IdToken.prototype as {
    issue: (this: IdTokenInstance, options?: { use?: string }) => Promise<string>;
  };
  const issue = idToken.issue;
  idToken.issue = function (this: IdTokenInstance, options?: { use?: string }) {
    const at = this.ctx?.oidc.entities.AccessToken;
    const value = at ? saved.get(at) : undefined;
    if (options?.use === 'idtoken' && value !== undefined && this.extra.at_hash === undefined) {
      this.set('at_hash', value);
    }
    return issue.call(this, options);
  };
}

/** What `includeAccessTokenHash` reads of an oidc-provider ID token. */
interface IdTokenInstance {
  ctx?: KoaContextWithOIDC;
  extra: Record<string, unknown>;
  set(key: string, value: unknown): void;
}

/**
 * The `account` parameter of a token request (nest-sso's, docs/oidc.md): the account id or name
 * whose membership the access token carries, as `account` of `POST /authorize`. oidc-provider
 * keeps every body parameter in `ctx.oidc.body`, and passes only the grant's own ones on.
 */
function accountParameter(
  ctx: KoaContextWithOIDC | undefined,
  errors: typeof import('oidc-provider').errors,
): string | undefined {
  const value = ctx?.oidc.body?.account;
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length < 1 || value.length > 100 || value.includes('\0')) {
    throw new errors.InvalidRequest(
      'account must be one account id or name of 1 to 100 characters',
    );
  }
  return value;
}

/** The permissions registered for a client (`oidc_clients.permissions`). */
function permissionsOf(client: object): string[] {
  const permissions = (client as { permissions?: unknown }).permissions;
  return Array.isArray(permissions) ? (permissions as string[]) : [];
}

export type { KoaContextWithOIDC };

/**
 * oidc-provider's interaction policy, with one more reason to ask for a login: the browser's
 * nest-sso session (SSO cookie) has ended or belongs to another user, so revoking the session
 * (GET /sessions, logout, admin, password change, deactivation) signs the browser out.
 */
async function loginPolicy(hooks: OidcHooks) {
  const { interactionPolicy } = await import('oidc-provider');
  const policy = interactionPolicy.base();
  const login = policy.get('login')!;
  login.checks.add(
    new interactionPolicy.Check(
      'sso_session_ended',
      'End-User authentication is required',
      'login_required',
      async (ctx) => {
        const accountId = ctx.oidc.session?.accountId;
        if (!accountId) return false; // the stock no_session check asks for a login
        return (await hooks.ssoSession(ctx, accountId)) === null;
      },
    ),
    0,
  );
  return policy;
}

/** The requested scope parameter (a string), `openid` when absent. */
export function scopeOf(value: unknown): string {
  return typeof value === 'string' ? value : 'openid';
}

/**
 * The resource indicator (RFC 8707) every access token is issued for: the downstream services. The
 * provider requires an absolute URI; `SSO_IDENTITY` is often a bare name (`nest-sso`, DRF-SSO's
 * style), so such a name becomes `urn:nest-sso:<name>`. Only a key inside the provider: the
 * token's `aud` is `SSO_AUTHORIZATION_AUDIENCE` whatever it is.
 */
export function servicesResource(identity: string): string {
  return URL.canParse(identity) ? identity : `urn:nest-sso:${encodeURIComponent(identity)}`;
}
