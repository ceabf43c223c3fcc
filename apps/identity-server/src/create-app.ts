import { NestFactory } from '@nestjs/core';
import helmet from 'helmet';
import { answerClientErrorsAsJson } from '@nest-sso/common';
import { parseConfig, readEnvironment, SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { createRootLogger, PinoLoggerService, requestLogging } from '@nest-sso/logging';
import type { DestinationStream } from 'pino';
import { ShutdownState } from '@nest-sso/health';
import type { NextFunction, Request, Response } from 'express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { serveApiDocs } from './api-docs';
import { AppModule, AppModuleOptions } from './app.module';

/** Largest accepted request body; login and authorize bodies are a few hundred bytes. */
const BODY_LIMIT = '16kb';

/** Creates the HTTP application with its transport settings; shared by `main.ts` and the e2e tests. */
export async function createApp(
  options: AppModuleOptions & { logDestination?: DestinationStream } = {},
): Promise<NestExpressApplication> {
  // Read once here too, so that the logger exists before Nest logs its first line.
  const logger = createRootLogger(
    parseConfig(options.env ?? readEnvironment()),
    options.logDestination,
  );
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    abortOnError: false,
    bodyParser: false,
    logger: new PinoLoggerService(logger),
  });
  const config = app.get<SsoConfig>(SSO_CONFIG);
  app.use(requestLogging(logger));
  app.disable('x-powered-by');
  // request.ip is the peer address, or taken from X-Forwarded-For only when the peer is one of these.
  app.set('trust proxy', config.trustedProxies.length > 0 ? config.trustedProxies : false);
  // TLS ends at the load balancer; upgrading the docs page's assets to https would break /docs
  // on a plain-http development or compose setup.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  answerClientErrorsAsJson(app.getHttpServer());
  serveApiDocs(app, config);
  if (config.corsOrigins) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      maxAge: 600,
    });
  }
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT, extended: false });
  const shutdown = app.get(ShutdownState);
  app.use((_request: Request, response: Response, next: NextFunction) => {
    // While draining, ask keep-alive clients to reconnect, so they land on another replica.
    if (shutdown.draining) response.setHeader('Connection', 'close');
    next();
  });
  return app;
}
