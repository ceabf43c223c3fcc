import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyHelmet from '@fastify/helmet';
import type { DestinationStream } from 'pino';
import { answerFrameworkError, createClientErrorHandler } from '@nest-sso/common';
import { parseConfig, readEnvironment, SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { ShutdownState } from '@nest-sso/health';
import { createRootLogger, logRequests, PinoLoggerService, requestIdOf } from '@nest-sso/logging';
import { serveApiDocs } from './api-docs';
import { AppModule, AppModuleOptions } from './app.module';

/** Largest accepted request body, in bytes; login and authorize bodies are a few hundred bytes. */
const BODY_LIMIT = 16 * 1024;

/**
 * Creates the HTTP application (NestJS on Fastify) with its transport settings; shared by
 * `main.ts` and the e2e tests. Returns it initialised, ready to `listen` or to serve in-process.
 */
export async function createApp(
  options: AppModuleOptions & { logDestination?: DestinationStream } = {},
): Promise<NestFastifyApplication> {
  // Read once here too: the logger and the HTTP server's limits exist before the modules do.
  const settings = parseConfig(options.env ?? readEnvironment());
  const logger = createRootLogger(settings, options.logDestination);
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT,
    // request.ip is the peer address, or taken from X-Forwarded-For only when the peer is one of these.
    trustProxy: settings.trustedProxies.length > 0 ? settings.trustedProxies : false,
    genReqId: requestIdOf,
    // DRF-SSO's paths end in a slash (`/session/`); both forms are the same route.
    routerOptions: { ignoreTrailingSlash: true },
    // Slow or idle clients cannot hold connections (a body sent a byte at a time ends in 408).
    connectionTimeout: settings.http.requestTimeout * 1000,
    requestTimeout: settings.http.requestTimeout * 1000,
    // Node checks those timeouts every 30 s by default: a bound of a few seconds needs a finer
    // clock. One cheap scan of the open connections per second.
    http: { connectionsCheckingInterval: 1000 },
    keepAliveTimeout: settings.http.keepAliveTimeout * 1000,
    // Closing the server closes idle keep-alive connections at once; busy ones finish first.
    forceCloseConnections: 'idle',
    // A request that arrives on an open connection while draining is served, not refused.
    return503OnClosing: false,
    clientErrorHandler: createClientErrorHandler(),
    frameworkErrors: answerFrameworkError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(options),
    adapter,
    {
      abortOnError: false,
      logger: new PinoLoggerService(logger),
    },
  );
  const config = app.get<SsoConfig>(SSO_CONFIG);
  const server = app.getHttpServer();
  server.headersTimeout = config.http.headersTimeout * 1000;
  server.maxConnections = config.http.maxConnections;

  const fastify = app.getHttpAdapter().getInstance();
  // Bodies are JSON or form-encoded; any other media type is a 415, never a body silently read
  // as text (Fastify parses text/plain by default).
  fastify.removeContentTypeParser('text/plain');
  logRequests(fastify, logger);
  // TLS ends at the load balancer; upgrading the docs page's assets to https would break /docs
  // on a plain-http development or compose setup.
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
  const shutdown = app.get(ShutdownState);
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    // While draining, every answer (in-flight ones included) asks its keep-alive client to
    // reconnect, so that it lands on another replica and no kept-alive socket is left idle.
    if (shutdown.draining) void reply.header('Connection', 'close');
    done(null, payload);
  });
  serveApiDocs(app, config);
  if (config.corsOrigins) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      maxAge: 600,
    });
  }
  await app.init();
  await fastify.ready();
  return app;
}
