import { createServer } from 'node:http';
import { exampleWebConfig } from './example-web-config';
import { ExampleWebApp } from './web-app';

function main(): void {
  const config = exampleWebConfig(process.env);
  const log = (message: string) =>
    console.log(`[example-web ${config.clientId}] ${new Date().toISOString()} ${message}`);
  const app = new ExampleWebApp(config, log);
  const server = createServer(app.handle);
  server.listen(config.port, config.host, () =>
    log(
      `"${config.appName}" listening on port ${config.port}, signing in at ${config.issuer.toString()}`,
    ),
  );
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

try {
  main();
} catch (error) {
  console.error(
    `example-web failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}
