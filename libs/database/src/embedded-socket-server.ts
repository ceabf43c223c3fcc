import type { PGlite } from '@electric-sql/pglite';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';
import { loadSocketHandler } from './embedded-driver';
import { EmbeddedSessionQueue } from './embedded-session-queue';

/** The file name PostgreSQL clients look for in a socket folder (`host=<folder>`, port 5432). */
export const EMBEDDED_SOCKET_PORT = 5432;
export const embeddedSocketPath = (socketDir: string) =>
  join(socketDir, `.s.PGSQL.${EMBEDDED_SOCKET_PORT}`);

/**
 * Milliseconds a client may sit inside a transaction without a word before it is cut off: the
 * server's own queries wait meanwhile. The CLI's transactions last milliseconds.
 */
const IDLE_IN_TRANSACTION_TIMEOUT = 30_000;

/** A running socket server; `close` stops it and waits until no client holds the database. */
export interface EmbeddedSocketServer {
  readonly path: string;
  close(): Promise<void>;
}

/**
 * Serves the embedded database to other local processes (the CLI, a second server) over a Unix
 * socket in `socketDir`, as one real PostgreSQL wire protocol (pglite-socket), so that they use
 * the normal PostgreSQL driver and the same migrations while this process keeps the files. The
 * folder is private to this user (mode 0700): PGlite asks no password. Call it only while holding
 * the embedded database's lock, which proves a socket file left there is stale.
 */
export async function serveEmbeddedDatabase(
  db: PGlite,
  socketDir: string,
  { idleInTransactionTimeout = IDLE_IN_TRANSACTION_TIMEOUT } = {},
): Promise<EmbeddedSocketServer> {
  const PGLiteSocketHandler = await loadSocketHandler();
  type HandlerOptions = ConstructorParameters<typeof PGLiteSocketHandler>[0];
  mkdirSync(socketDir, { recursive: true, mode: 0o700 });
  chmodSync(socketDir, 0o700);
  const path = embeddedSocketPath(socketDir);
  rmSync(path, { force: true });

  const sockets = new Map<number, Socket>();
  const queue = new EmbeddedSessionQueue(db, {
    idleInTransactionTimeout,
    onIdleInTransaction: (client) => sockets.get(client)?.destroy(),
  });
  const server = createServer((socket) => {
    const handler = new PGLiteSocketHandler({
      // Our queue, not pglite-socket's: see EmbeddedSessionQueue for why. The handler uses only
      // the three methods it implements.
      queryQueue: queue as unknown as HandlerOptions['queryQueue'],
      closeOnDetach: true,
    });
    sockets.set(handler.handlerId, socket);
    socket.once('close', () => sockets.delete(handler.handlerId));
    void handler.attach(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    path,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets.values()) socket.destroy();
      await closed;
      await queue.idle();
      rmSync(path, { force: true });
    },
  };
}
