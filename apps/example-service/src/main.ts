import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExampleAppModule } from './app.module';
import { exampleConfig } from './example-config';

async function bootstrap(): Promise<void> {
  const config = exampleConfig(process.env);
  const app = await NestFactory.create(ExampleAppModule.forRoot(config.sso), {
    abortOnError: false,
  });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(config.port, config.host);
  new Logger('Main').log(
    `example-service (audience "${config.sso.identity}") listening on port ${config.port}`,
  );
}

bootstrap().catch((error: unknown) => {
  console.error(
    `example-service failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
