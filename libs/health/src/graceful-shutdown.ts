import type { INestApplication } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import { ShutdownState } from './shutdown-state';

/** How a shutdown proceeds (`SSO_SHUTDOWN_DELAY`, `SSO_SHUTDOWN_TIMEOUT`), in seconds. */
export interface DrainOptions {
  /** From readiness red to the listener closing: load balancers stop routing here meanwhile. */
  delay: number;
  /** From the listener closing to cutting the connections still open. */
  timeout: number;
}

/**
 * Drains and closes the application: readiness goes red and every response carries
 * `Connection: close` (keep-alive clients reconnect elsewhere); after `delay` the listening
 * socket closes (no new connections) and idle keep-alive connections close; in-flight requests
 * finish, then the database pool closes. Connections still open after `timeout` are cut, so a
 * stuck client cannot hold the shutdown forever.
 */
export async function drainAndClose(
  app: INestApplication,
  { delay, timeout: timeoutSeconds }: DrainOptions,
): Promise<void> {
  app.get(ShutdownState).draining = true;
  if (delay > 0) await sleep(delay * 1000);
  const server = app.getHttpServer() as Server;
  const deadline = setTimeout(() => {
    new Logger('Shutdown').warn(
      `Drain took over ${timeoutSeconds} s: closing the remaining connections`,
    );
    server.closeAllConnections();
  }, timeoutSeconds * 1000);
  deadline.unref();
  try {
    await stopAccepting(server, Math.min(ACCEPTED_GRACE_MS, timeoutSeconds * 1000));
    await app.close();
  } finally {
    clearTimeout(deadline);
  }
}

/** How long connections accepted just before the listener closed get to send their request. */
const ACCEPTED_GRACE_MS = 1000;

/**
 * Closes the listening socket only. Node's `server.close()` also closes every connection that
 * is not serving a request at that instant, including one accepted a moment ago whose request
 * is still on the wire: its client would see a reset. Here those connections get `graceMs` to
 * send their request (answered with `Connection: close`); whatever is still idle afterwards is
 * closed by `app.close()`.
 */
async function stopAccepting(server: Server, graceMs: number): Promise<void> {
  if (!server.listening) return;
  NetServer.prototype.close.call(server);
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    const open = await new Promise<number>((resolve) =>
      server.getConnections((error, count) => resolve(error ? 0 : count)),
    );
    if (open === 0) return;
    await sleep(25);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds a shutdown may take beyond the drain to close the database pool and the rest. */
export const CLOSE_GRACE_SECONDS = 5;

/** Where signals come from and how the process ends; the process itself unless a test says otherwise. */
export interface SignalHost {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
  /** A `node:cluster` worker: SIGINT is left to the primary, which forwards SIGTERM. */
  clusterWorker?: boolean;
}

/**
 * On SIGTERM or SIGINT: drain, close, exit 0 (or 1 if closing failed). The process exits within
 * `delay + timeout + CLOSE_GRACE_SECONDS` whatever happens. A second signal exits at once.
 */
export function exitGracefullyOnSignals(
  app: INestApplication,
  drain: DrainOptions,
  host: SignalHost = {
    on: (s, l) => process.on(s, l),
    exit: (code) => process.exit(code),
    clusterWorker: cluster.isWorker,
  },
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
    // The last word, whatever the database or a client does: closing the pool waits for every
    // checked-out connection, and a connection the network has swallowed may never come back.
    const bound = drain.delay + drain.timeout + CLOSE_GRACE_SECONDS;
    setTimeout(() => {
      logger.error(`Shutdown did not finish within ${bound} s (the database?): exiting now`);
      host.exit(1);
    }, bound * 1000).unref();
    logger.log(
      `${signal}: readiness red; closing the listener in ${drain.delay} s, then draining in-flight requests (at most ${drain.timeout} s)`,
    );
    drainAndClose(app, drain).then(
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
  // A cluster worker shares the terminal's process group: Ctrl-C reaches it and the primary at
  // once, and the primary's SIGTERM would then count as a second signal. The primary speaks for it.
  host.on('SIGINT', host.clusterWorker ? () => undefined : onSignal);
}
