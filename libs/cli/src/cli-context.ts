import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseConfig, SsoConfig } from '@nest-sso/config';
import { CliModule } from './cli.module';

/** What a command runs with: the settings, and the application (database, use cases) on demand. */
export interface CliContext {
  readonly config: SsoConfig;
  /**
   * The application context, created on first use: key commands never need the database. With
   * `migrate: false` (the migration commands), pending migrations are not applied at start.
   */
  app(options?: { migrate?: boolean }): Promise<INestApplicationContext>;
  /** Closes the application context if one was created. */
  close(): Promise<void>;
}

/** The context of one CLI run, on the given environment. */
export function createCliContext(env: Record<string, string | undefined>): CliContext {
  let app: Promise<INestApplicationContext> | undefined;
  return {
    config: parseConfig(env),
    app: (options = {}) =>
      (app ??= NestFactory.createApplicationContext(
        CliModule.forRoot({
          env: options.migrate === false ? { ...env, SSO_MIGRATE_ON_START: 'false' } : env,
        }),
        // Errors are printed once, by the CLI, as a message for the operator, not a stack trace.
        { logger: false, abortOnError: false },
      )),
    close: async () => {
      if (app) await (await app).close();
    },
  };
}
