import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { exitGracefullyOnSignals } from '@nest-sso/health';
import { createApp } from './create-app';

async function bootstrap(): Promise<void> {
  const app = await createApp();
  const config = app.get<SsoConfig>(SSO_CONFIG);
  // SIGTERM/SIGINT drain and exit 0; SIGHUP is left to the key store (it reloads the keys).
  exitGracefullyOnSignals(app, { delay: config.shutdownDelay, timeout: config.shutdownTimeout });
  await app.listen(config.port, config.host);
  new Logger('Main').log(
    `nest-sso "${config.identity}" listening on http://${config.host}:${config.port}`,
  );
}

bootstrap().catch((error: unknown) => {
  // Start-up errors (settings, key files, database) carry a message meant for the operator.
  console.error(
    `nest-sso failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
