import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { inject } from 'light-my-request';
import type { FastifyInstance } from 'fastify';
import type Provider from 'oidc-provider';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { AuthorizationPayloadBuilder, LoginUseCase } from '@nest-sso/auth';
import { KeyStore } from '@nest-sso/keys';
import { EndSessionsUseCase, SessionsService } from '@nest-sso/sessions';
import { AccountsService } from '@nest-sso/accounts';
import { Actors, AuditService } from '@nest-sso/audit';
import { type ErrorBody, SsoError } from '@nest-sso/common';
import { IpRateLimiter } from '@nest-sso/throttling';
import { SESSION_TOKEN, SessionClaims, TokensService } from '@nest-sso/tokens';
import { UsersService } from '@nest-sso/users';
import { handleInteraction, InteractionDeps, SSO_COOKIE } from './interaction.handler';
import { oidcCookieKeys } from './oidc-cookie-keys';
import { OidcMetrics } from './oidc-metrics';
import { bindGrantToSession, deleteExpiredPayloads } from './oidc-adapter';
import { ConsentsService } from './consents.service';
import { oidcScopesOf } from './oidc-scopes';
import {
  createOidcProvider,
  OIDC_PREFIX,
  OidcHooks,
  servicesResource,
} from './oidc-provider.factory';

/** The provider's discovery document, relative to its mount point and to the server root. */
export const DISCOVERY_PATH = '/.well-known/openid-configuration';

/** Expired payloads deleted per cleanup round, so that one round never holds the table long. */
const CLEANUP_BATCH = 1000;
/** Seconds between cleanup rounds. */
const CLEANUP_INTERVAL = 60;

/**
 * Runs the OpenID Connect provider under `/oidc`: builds it for the identity's current signing
 * key (again when the key store rotates to another key, so ID tokens and access tokens are
 * always signed by the key the JWKS names active), mounts it on the Fastify instance, and deletes
 * expired payloads in bounded rounds.
 */
@Injectable()
export class OidcService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Oidc');
  private built: { kid: string; provider: Promise<Provider> } | null = null;
  private discoveryOf: { provider: Provider; json: Promise<string> } | null = null;
  private readonly cookieKeys: string[];
  private cleanup: NodeJS.Timeout | undefined;
  private readonly publicOrigin: URL;

  constructor(
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
    private readonly keyStore: KeyStore,
    private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly httpAdapterHost: HttpAdapterHost,
    private readonly tokens: TokensService,
    private readonly sessions: SessionsService,
    private readonly ipLimiter: IpRateLimiter,
    private readonly moduleRef: ModuleRef,
    private readonly metrics: OidcMetrics,
  ) {
    this.cookieKeys = oidcCookieKeys(config);
    this.publicOrigin = new URL(config.publicUrl);
  }

  onModuleInit(): void {
    // A warning where replicas are expected; in development one server is the norm.
    if (!this.config.oidcCookieKeys && this.config.nodeEnv === 'production') {
      this.logger.warn(
        'SSO_OIDC_COOKIE_KEYS is not set: a random cookie key for this server (shared by its workers); set it where more than one replica serves, or a sign-in that moves between replicas fails',
      );
    }
    const fastify = this.httpAdapterHost.httpAdapter?.getInstance<FastifyInstance>();
    // Outside an HTTP application (the CLI) there is nothing to mount.
    if (fastify) this.mount(fastify);
    this.cleanup = setInterval(() => void this.deleteExpired(), CLEANUP_INTERVAL * 1000);
    this.cleanup.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.cleanup);
  }

  /** The provider for the current signing key. */
  provider(): Promise<Provider> {
    const key = this.keyStore.current.signingKey(this.config.identity);
    if (!key) throw new Error(`No signing key for "${this.config.identity}"`);
    if (this.built?.kid !== key.kid) {
      const provider = createOidcProvider({
        config: this.config,
        dataSource: this.dataSource,
        users: this.users,
        signingKey: key,
        cookieKeys: this.cookieKeys,
        hooks: this.hooks,
        onTokenIssued: (grantType) => this.metrics.tokensIssued.inc({ grant_type: grantType }),
      });
      this.built = { kid: key.kid, provider };
      void provider.then((p) =>
        p.on('server_error', (_ctx, error: Error) =>
          this.logger.error(`OIDC server error: ${error.message}`),
        ),
      );
      provider.catch(() => {
        if (this.built?.provider === provider) this.built = null;
      });
    }
    return this.built.provider;
  }

  /**
   * The discovery document (JSON text) of the current provider. It depends on the provider's
   * configuration and the public URL only (requests' own host and scheme never reach it), so it
   * is made once per provider, by an in-process request to the provider itself
   * (light-my-request), and served from memory.
   */
  async discoveryDocument(): Promise<string> {
    const provider = await this.provider();
    if (this.discoveryOf?.provider !== provider) {
      const json = inject(
        (req, res) => {
          (req as IncomingMessage & { originalUrl?: string }).originalUrl =
            `${OIDC_PREFIX}${DISCOVERY_PATH}`;
          void provider.callback()(req, res);
        },
        {
          method: 'GET',
          url: DISCOVERY_PATH,
          headers: {
            'x-forwarded-host': this.publicOrigin.host,
            'x-forwarded-proto': this.publicOrigin.protocol.slice(0, -1),
          },
        },
      ).then((response) => {
        if (response.statusCode !== 200) {
          throw new Error(`The provider's discovery answered ${response.statusCode}`);
        }
        return response.payload;
      });
      this.discoveryOf = { provider, json };
      json.catch(() => {
        if (this.discoveryOf?.json === json) this.discoveryOf = null;
      });
    }
    return this.discoveryOf.json;
  }

  /** The active nest-sso session of SSO cookie `token` if it is `accountId`'s; `null` otherwise. */
  private async ssoSession(
    token: string | undefined,
    accountId: string,
  ): Promise<{ sid: string } | null> {
    if (!token) return null;
    try {
      const claims = await this.tokens.verify<SessionClaims>(token, SESSION_TOKEN);
      // `uid` is the numeric id for users imported from DRF-SSO; the account id is the UUID.
      const session = await this.sessions.requireActive(claims.sid, claims.uid);
      if (session.userId !== accountId) return null;
      return { sid: claims.sid };
    } catch {
      return null;
    }
  }

  /** The user and sign-in time of SSO cookie `token`'s nest-sso session if active; else `null`. */
  private async activeSsoSession(
    token: string | undefined,
  ): Promise<{ accountId: string; authTime: number } | null> {
    if (!token) return null;
    let claims: SessionClaims;
    try {
      claims = await this.tokens.verify<SessionClaims>(token, SESSION_TOKEN);
    } catch {
      return null; // not a session token of ours (tampered, other key, other type)
    }
    try {
      const session = await this.sessions.requireActive(claims.sid, claims.uid);
      return {
        accountId: session.userId,
        authTime: Math.floor(session.createdAt.getTime() / 1000),
      };
    } catch (error) {
      if (error instanceof SsoError && error.code === 'session_revoked') return null;
      throw error;
    }
  }

  private readonly createGrant: OidcHooks['createGrant'] = async (input) => {
    const grant = new input.provider.Grant({
      accountId: input.accountId,
      clientId: input.clientId,
    });
    grant.addOIDCScope(oidcScopesOf(input.scopes).join(' '));
    // Access tokens are for the downstream services: the resource every token is issued for.
    grant.addResourceScope(servicesResource(this.config.identity), '');
    const grantId = await grant.save();
    await bindGrantToSession(this.dataSource, grantId, input.sid);
    return grantId;
  };

  private readonly hooks: OidcHooks = {
    ssoSession: (ctx, accountId) =>
      this.ssoSession(ctx.cookies.get(SSO_COOKIE, { signed: false }), accountId),
    createGrant: this.createGrant,
    consentCovers: ({ accountId, clientId, scopes }) =>
      this.moduleRef.get(ConsentsService, { strict: false }).covers(accountId, clientId, scopes),
    endSsoSession: async (ctx) => {
      const token = ctx.cookies.get(SSO_COOKIE, { signed: false });
      if (!token) return;
      const clear = () => ctx.cookies.set(SSO_COOKIE, null, { signed: false, path: '/' });
      try {
        const claims = await this.tokens.verify<SessionClaims>(token, SESSION_TOKEN);
        const owner = await this.users.findByTokenUid(claims.uid);
        // Only the signed-out user's own session: when the browser switches users, oidc-provider
        // signs the previous one out after the SSO cookie already names the new one's session,
        // which stays (and so does its cookie).
        if (owner && owner.id !== ctx.oidc.session?.accountId) return;
        clear();
        if (!owner) return;
        await this.moduleRef
          .get(EndSessionsUseCase, { strict: false })
          .one(claims.sid, 'logout', Actors.user(owner.id, ctx.ip), owner.id);
      } catch (error) {
        clear();
        this.logger.warn(`Could not end the session at end_session: ${(error as Error).message}`);
      }
    },
    membershipOf: async ({ accountId, account, grantId, ipAddress }) => {
      const membership = await this.moduleRef
        .get(AccountsService, { strict: false })
        .findMembership(accountId, account);
      if (membership) return membership;
      await this.moduleRef.get(AuditService, { strict: false }).record({
        type: 'authorize_denied',
        actor: Actors.user(accountId, ipAddress),
        sessionId: await this.sessionOfGrant(grantId),
        reason: 'not_a_member',
      });
      return null;
    },
    accessTokenClaims: async (input) => {
      const { accountId, clientId, grantId, account } = input;
      const sid = await this.sessionOfGrant(grantId);
      const known = input.user?.id === accountId ? input.user : undefined;
      const user = known ?? (await this.users.findById(accountId));
      if (!sid || !user) throw new Error('The grant has no active session');
      // The membership findAccount checked in this request; read here only if it did not.
      const membership =
        account === undefined
          ? null
          : (input.membership ??
            (await this.moduleRef
              .get(AccountsService, { strict: false })
              .findMembership(user.id, account)));
      if (account !== undefined && !membership) return null;
      const builder = this.moduleRef.get(AuthorizationPayloadBuilder, { strict: false });
      return builder.build({
        user,
        session: { sid, cid: clientId } as SessionClaims,
        membership,
        issuedAt: Math.floor(Date.now() / 1000),
      });
    },
  };

  /** The nest-sso session a grant is bound to (`oidc_payloads.sso_session_id`), if any. */
  private async sessionOfGrant(grantId: string): Promise<string | null> {
    const rows = await this.dataSource.query<{ sso_session_id: string | null }[]>(
      `SELECT sso_session_id FROM oidc_payloads WHERE model = 'Grant' AND id = $1`,
      [grantId],
    );
    return rows[0]?.sso_session_id ?? null;
  }

  private interactionDeps(): InteractionDeps {
    return {
      login: () => this.moduleRef.get(LoginUseCase, { strict: false }),
      accountOf: async (uid) => (await this.users.findByTokenUid(uid))?.id ?? null,
      ipLimiter: this.ipLimiter,
      csrfKeys: this.cookieKeys,
      secureCookies: this.config.publicUrl.startsWith('https:'),
      ssoSession: (token, accountId) => this.ssoSession(token, accountId),
      activeSsoSession: (token) => this.activeSsoSession(token),
      createGrant: this.createGrant,
      recordConsent: ({ accountId, clientId, scopes, sid, ipAddress }) =>
        this.moduleRef
          .get(ConsentsService, { strict: false })
          .grant(
            { ...Actors.user(accountId, ipAddress), sessionId: sid },
            { userId: accountId, clientId, scopes, sessionId: sid },
          ),
      onLogin: (clientId) => this.metrics.logins.inc({ client_id: clientId }),
    };
  }

  /** Deletes one bounded batch of expired payloads; returns how many went. */
  async deleteExpired(): Promise<number> {
    try {
      return await deleteExpiredPayloads(this.dataSource, CLEANUP_BATCH);
    } catch (error) {
      this.logger.warn(`Could not delete expired OIDC payloads: ${(error as Error).message}`);
      return 0;
    }
  }

  /**
   * Answers one request to the provider: `path` is relative to its mount point (`/auth`,
   * `/token`…). `clientIp` is the caller's address as the HTTP layer resolved it (through
   * `SSO_TRUSTED_PROXIES` only). The JWKS is the key module's one document whatever the URL.
   */
  private async handle(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    clientIp: string,
  ): Promise<void> {
    if ((req.method === 'GET' || req.method === 'HEAD') && routeOf(path) === '/jwks') {
      const { json, etag } = this.keyStore.current.jwks;
      res.writeHead(200, { 'content-type': 'application/json', etag });
      res.end(req.method === 'HEAD' ? undefined : json);
      return;
    }
    // The provider sees the public URL as its origin, whatever Host or scheme the request came
    // with (endpoint URLs in discovery, Secure cookies), and the caller's resolved address; any
    // forwarding headers the client sent are replaced (koa reads them once proxy is on).
    req.headers['x-forwarded-host'] = this.publicOrigin.host;
    req.headers['x-forwarded-proto'] = this.publicOrigin.protocol.slice(0, -1);
    req.headers['x-forwarded-for'] = clientIp;
    const provider = await this.provider();
    if (path.startsWith('/interaction/')) {
      await handleInteraction(this.interactionDeps(), provider, req, res, path, clientIp);
      return;
    }
    // oidc-provider routes relative to its mount point, as Express would strip the prefix; it
    // builds its endpoints' URLs from the prefix, the part of originalUrl before url.
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = `${OIDC_PREFIX}${path}`;
    req.url = path;
    await new Promise<void>((resolve) => {
      res.once('finish', resolve);
      res.once('close', resolve);
      void provider.callback()(req, res);
    });
  }

  private mount(fastify: FastifyInstance): void {
    const handle = (req: IncomingMessage, res: ServerResponse, ip: string): Promise<void> => {
      const rest = req.url!.slice(OIDC_PREFIX.length);
      const path = rest.startsWith('/') ? rest : `/${rest}`; // `/oidc?x` is `/?x`
      // Discovery lives at the issuer's own /.well-known (the server root), not below /oidc:
      // however the path is spelt, as the provider's router ignores case and a trailing slash.
      if (routeOf(path) === DISCOVERY_PATH) {
        const body: ErrorBody = {
          statusCode: 404,
          code: 'not_found',
          message: `The discovery document is at ${DISCOVERY_PATH}, the issuer's own`,
        };
        res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
        return Promise.resolve();
      }
      return this.handle(req, res, path, ip);
    };
    void fastify.register((instance, _options, done) => {
      // oidc-provider reads request bodies itself: leave the stream unread here.
      instance.removeAllContentTypeParsers();
      instance.addContentTypeParser('*', (_request, _payload, next) => next(null));
      const route = (
        request: { raw: IncomingMessage; ip: string },
        reply: { raw: ServerResponse; hijack(): void },
      ) => {
        reply.hijack();
        return handle(request.raw, reply.raw, request.ip).catch((error: unknown) => {
          this.logger.error(`OIDC request failed: ${(error as Error).message}`);
          if (!reply.raw.headersSent) reply.raw.writeHead(500).end();
        });
      };
      instance.all(OIDC_PREFIX, route);
      instance.all(`${OIDC_PREFIX}/*`, route);
      done();
    });
  }
}

/**
 * A path as oidc-provider's router matches it: without the query, lower-case, without trailing
 * slashes (`/JWKS/` is `/jwks`).
 */
function routeOf(path: string): string {
  return path.split('?')[0].toLowerCase().replace(/\/+$/, '');
}
