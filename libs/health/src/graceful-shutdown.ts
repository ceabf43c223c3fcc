import type { INestApplication } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import type { Server } from 'node:http';
import { ShutdownState } from './shutdown-state';

/**
 * Drains and closes the application: readiness goes red (load balancers stop sending), the
 * listening socket closes (no new connections), responses carry `Connection: close`, in-flight
 * requests finish, then the database pool closes. Connections still open after `timeoutSeconds`
 * are cut, so a stuck client cannot hold the shutdown forever.
 */
export async function drainAndClose(app: INestApplication, timeoutSeconds: number): Promise<void> {
  app.get(ShutdownState).draining = true;
  const server = app.getHttpServer() as Server;
  const deadline = setTimeout(() => {
    new Logger('Shutdown').warn(
      `Drain took over ${timeoutSeconds} s: closing the remaining connections`,
    );
    server.closeAllConnections();
  }, timeoutSeconds * 1000);
  deadline.unref();
  try {
    await app.close();
  } finally {
    clearTimeout(deadline);
  }
}

/** Where signals come from and how the process ends; the process itself unless a test says otherwise. */
export interface SignalHost {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
}

/** On SIGTERM or SIGINT: drain, close, exit 0 (or 1 if closing failed). A second signal exits at once. */
export function exitGracefullyOnSignals(
  app: INestApplication,
  timeoutSeconds: number,
  host: SignalHost = { on: (s, l) => process.on(s, l), exit: (code) => process.exit(code) },
): void {
  const logger = new Logger('Shutdown');
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting now`);
      host.exit(1);
      return;
    }
    stopping = true;
    logger.log(`${signal}: draining in-flight requests (at most ${timeoutSeconds} s)`);
    drainAndClose(app, timeoutSeconds).then(
      () => {
        logger.log('Stopped');
        host.exit(0);
      },
      (error: unknown) => {
        logger.error(`Shutdown failed: ${(error as Error).message}`);
        host.exit(1);
      },
    );
  };
  host.on('SIGTERM', onSignal);
  host.on('SIGINT', onSignal);
}
