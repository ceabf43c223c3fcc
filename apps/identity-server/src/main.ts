import 'reflect-metadata';
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { parseConfig, readEnvironment, SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { exitGracefullyOnSignals, runClusterPrimary } from '@nest-sso/health';
import { loadKeySet } from '@nest-sso/keys';
import { createRootLogger } from '@nest-sso/logging';
import { serveClusterMetrics } from '@nest-sso/metrics';
import { createApp } from './create-app';

async function bootstrap(): Promise<void> {
  if (cluster.isPrimary) {
    const settings = parseConfig(readEnvironment());
    if (settings.workers > 1) {
      const logger = createRootLogger(settings).child({ context: 'Cluster' });
      if (settings.database.url !== null) {
        // A development server without keys generates one: here, once, not in every worker.
        await loadKeySet(settings);
        serveClusterMetrics();
        runClusterPrimary({
          workers: settings.workers,
          // One OpenID Connect cookie key for all workers when none is configured: a sign-in that
          // starts on one worker and ends on another must read the same signed cookies.
          env:
            settings.oidcCookieKeys === null
              ? { SSO_OIDC_COOKIE_KEYS: randomBytes(32).toString('base64url') }
              : {},
          drain: { delay: settings.shutdownDelay, timeout: settings.shutdownTimeout },
          logger,
        });
        return;
      }
      // PGlite lives in this process's memory: a second process cannot open it. A warning only
      // when the operator asked for workers; the default (one per core) just says what it does.
      const asked = readEnvironment().SSO_WORKERS !== undefined;
      const message = `the embedded database is single-process, so one process serves HTTP (set DATABASE_URL to run ${settings.workers} workers)`;
      if (asked) logger.warn(`SSO_WORKERS=${settings.workers} ignored: ${message}`);
      else logger.info(`One server process: ${message}`);
    }
  }
  await serve();
}

async function serve(): Promise<void> {
  const app = await createApp();
  const config = app.get<SsoConfig>(SSO_CONFIG);
  // SIGTERM/SIGINT drain and exit 0; SIGHUP is left to the key store (it reloads the keys).
  exitGracefullyOnSignals(app, { delay: config.shutdownDelay, timeout: config.shutdownTimeout });
  await app.listen(config.port, config.host);
  new Logger('Main').log(
    `nest-sso "${config.identity}" listening on http://${config.host}:${config.port}` +
      (cluster.isWorker ? ` (worker ${cluster.worker?.id}, pid ${process.pid})` : ''),
  );
}

bootstrap().catch((error: unknown) => {
  // Start-up errors (settings, key files, database) carry a message meant for the operator.
  console.error(
    `nest-sso failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
