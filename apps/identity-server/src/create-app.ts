import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule, AppModuleOptions } from './app.module';

/** Largest accepted request body; login and authorize bodies are a few hundred bytes. */
const BODY_LIMIT = '16kb';

/** Creates the HTTP application with its transport settings; shared by `main.ts` and the e2e tests. */
export async function createApp(options: AppModuleOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    abortOnError: false,
    bodyParser: false,
    logger: options.env?.NODE_ENV === 'test' ? ['error', 'warn'] : undefined,
  });
  app.disable('x-powered-by');
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT, extended: false });
  // Not SIGHUP, Nest's default too: SIGHUP reloads the key store instead of stopping the server.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  return app;
}
