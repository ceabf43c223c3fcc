import type { INestApplicationContext, LoggerService } from '@nestjs/common';
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

/**
 * What the CLI shows of the application's logs: warnings only, as plain lines on standard error
 * (each attempt to reach the database, for one). Errors are printed once, by the CLI, as a message
 * for the operator, not a stack trace.
 */
function warningsTo(write: (text: string) => void): LoggerService {
  const ignore = () => undefined;
  return { log: ignore, error: ignore, warn: (message) => write(`${String(message)}\n`) };
}

/** The context of one CLI run, on the given environment; warnings go to `warn` (stderr). */
export function createCliContext(
  env: Record<string, string | undefined>,
  warn: (text: string) => void = (text) => process.stderr.write(text),
): CliContext {
  let app: Promise<INestApplicationContext> | undefined;
  return {
    config: parseConfig(env),
    app: (options = {}) =>
      (app ??= NestFactory.createApplicationContext(
        CliModule.forRoot({
          env: options.migrate === false ? { ...env, SSO_MIGRATE_ON_START: 'false' } : env,
        }),
        { logger: warningsTo(warn), abortOnError: false },
      )),
    close: async () => {
      // An application that failed to start has nothing to close; its error is already reported.
      await app?.then(
        (context) => context.close(),
        () => undefined,
      );
    },
  };
}
