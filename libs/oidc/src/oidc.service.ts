import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DataSource } from 'typeorm';
import type { FastifyInstance } from 'fastify';
import type Provider from 'oidc-provider';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { KeyStore } from '@nest-sso/keys';
import { UsersService } from '@nest-sso/users';
import { deleteExpiredPayloads } from './oidc-adapter';
import { createOidcProvider, OIDC_PREFIX } from './oidc-provider.factory';

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
  private readonly cookieKeys: string[];
  private cleanup: NodeJS.Timeout | undefined;

  constructor(
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
    private readonly keyStore: KeyStore,
    private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly httpAdapterHost: HttpAdapterHost,
  ) {
    this.cookieKeys = config.oidcCookieKeys ?? [randomBytes(32).toString('base64url')];
  }

  onModuleInit(): void {
    if (!this.config.oidcCookieKeys) {
      this.logger.warn(
        'SSO_OIDC_COOKIE_KEYS is not set: browser sign-ins use a per-process cookie key',
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

  /** Deletes one bounded batch of expired payloads; returns how many went. */
  async deleteExpired(): Promise<number> {
    try {
      return await deleteExpiredPayloads(this.dataSource, CLEANUP_BATCH);
    } catch (error) {
      this.logger.warn(`Could not delete expired OIDC payloads: ${(error as Error).message}`);
      return 0;
    }
  }

  private mount(fastify: FastifyInstance): void {
    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const path = req.url!.slice(OIDC_PREFIX.length) || '/';
      if (req.method === 'GET' && (path === '/jwks' || path.startsWith('/jwks?'))) {
        // One JWKS document: the key module's, whatever the URL it is read at.
        const { json, etag } = this.keyStore.current.jwks;
        res.writeHead(200, { 'content-type': 'application/json', etag });
        res.end(json);
        return;
      }
      const provider = await this.provider();
      // oidc-provider routes relative to its mount point, as Express would strip the prefix.
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = req.url;
      req.url = path;
      await new Promise<void>((resolve) => {
        res.once('finish', resolve);
        res.once('close', resolve);
        void provider.callback()(req, res);
      });
    };
    void fastify.register((instance, _options, done) => {
      // oidc-provider reads request bodies itself: leave the stream unread here.
      instance.removeAllContentTypeParsers();
      instance.addContentTypeParser('*', (_request, _payload, next) => next(null));
      const route = (
        request: { raw: IncomingMessage },
        reply: { raw: ServerResponse; hijack(): void },
      ) => {
        reply.hijack();
        return handle(request.raw, reply.raw).catch((error: unknown) => {
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
