import cluster, { Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { CLOSE_GRACE_SECONDS, DrainOptions } from './graceful-shutdown';

export interface ClusterOptions {
  /** How many HTTP workers to keep running (`SSO_WORKERS`). */
  workers: number;
  /** The workers' own drain (`SSO_SHUTDOWN_DELAY`, `SSO_SHUTDOWN_TIMEOUT`), in seconds. */
  drain: DrainOptions;
  logger: Logger;
  /** Settings added to every worker's environment (shared secrets generated once, here). */
  env?: Record<string, string>;
}

/**
 * The primary process of `SSO_WORKERS` > 1 (`node:cluster`): forks the HTTP workers, which share
 * the listening port (the primary hands out connections round-robin) and serves no request
 * itself.
 *
 * - SIGTERM/SIGINT: every worker gets SIGTERM and drains as a single process would; the primary
 *   exits 0 once all have exited 0 (1 otherwise, or after the drain's bound). A second signal
 *   kills the workers at once.
 * - SIGHUP: forwarded to every worker (each reloads its key store).
 * - A worker that dies is replaced; a worker that dies before it ever listened (bad settings,
 *   an unreachable database) stops the whole server with exit code 1, rather than a fork loop.
 */
export function runClusterPrimary({ workers, drain, logger, env }: ClusterOptions): void {
  let stopping = false;
  let failed = false;
  const listened = new WeakSet<Worker>();

  const fork = () => {
    const worker = cluster.fork(env);
    worker.once('listening', () => listened.add(worker));
  };

  cluster.on('exit', (worker, code, signal) => {
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (code !== 0) failed = true;
    if (stopping) {
      logger.info(`Worker ${worker.process.pid} exited (${how})`);
      if (Object.keys(cluster.workers ?? {}).length === 0) finish();
      return;
    }
    if (!listened.has(worker)) {
      logger.error(`Worker ${worker.process.pid} exited (${how}) before serving: stopping`);
      stop('SIGTERM');
      return;
    }
    logger.error(`Worker ${worker.process.pid} exited (${how}): starting another`);
    fork();
  });

  const finish = () => {
    logger.info('Stopped');
    process.exit(failed ? 1 : 0);
  };

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(`${signal} again: killing the workers now`);
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    logger.info(`${signal}: draining ${Object.keys(cluster.workers ?? {}).length} workers`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    if (Object.keys(cluster.workers ?? {}).length === 0) finish();
    // The workers bound their own shutdown by this; one more second for them to be reaped.
    const bound = drain.delay + drain.timeout + CLOSE_GRACE_SECONDS + 1;
    setTimeout(() => {
      logger.error(`Workers still running after ${bound} s: killing them`);
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(1);
    }, bound * 1000).unref();
  };

  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: forwarded to every worker (key store reload)');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGHUP');
  });

  logger.info(`Starting ${workers} HTTP workers (SSO_WORKERS)`);
  for (let i = 0; i < workers; i++) fork();
}
