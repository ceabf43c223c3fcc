import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SsoConfig } from '@nest-sso/config';
import { loadEmbeddedDriver } from './embedded-driver';
import { EmbeddedDatabaseBusyError, lockEmbeddedDatabase } from './embedded-lock';
import { EMBEDDED_SOCKET_PORT, embeddedSocketPath } from './embedded-socket-server';
import { waitForDatabase } from './wait-for-database';

/** How this process reaches its database, decided once at start-up. */
export type DatabaseConnection =
  /** PostgreSQL at `DATABASE_URL`. */
  | { readonly kind: 'postgres'; readonly url: string }
  /**
   * The embedded database's files, opened by this process, which holds their lock until
   * `releaseLock` (called once the data source is closed).
   */
  | {
      readonly kind: 'embedded';
      readonly dataDir: string;
      readonly driver: unknown;
      readonly releaseLock: () => void;
    }
  /** The embedded database of a running server, through the socket it serves. */
  | { readonly kind: 'embedded-socket'; readonly socketDir: string };

type DatabaseSettings = Pick<
  SsoConfig['database'],
  'url' | 'dataDir' | 'connectAttempts' | 'connectTimeout'
>;

/** Directory that holds the embedded database's files. */
export function embeddedDataDir(config: { database: Pick<SsoConfig['database'], 'dataDir'> }) {
  return resolve(config.database.dataDir, 'pglite');
}

/** Directory of the socket a server serves its embedded database on (private to its user). */
export function embeddedSocketDir(config: { database: Pick<SsoConfig['database'], 'dataDir'> }) {
  return resolve(config.database.dataDir, 'socket');
}

/** The pg connection settings of the embedded database's socket in `socketDir`. */
export function embeddedSocketClient(socketDir: string) {
  return { host: socketDir, port: EMBEDDED_SOCKET_PORT, user: 'postgres', database: 'postgres' };
}

/**
 * Decides how to reach the database and waits until it answers:
 * - with `DATABASE_URL`, PostgreSQL (retrying while it starts, failing at once on errors that
 *   cannot succeed);
 * - otherwise the embedded database's files, unless a running server holds them: then the socket
 *   that server serves them on, so the CLI works while the server runs.
 */
export async function connectDatabase(config: {
  database: DatabaseSettings;
}): Promise<DatabaseConnection> {
  const { url, connectAttempts, connectTimeout } = config.database;
  if (url !== null) {
    await waitForDatabase({
      connection: { connectionString: url },
      attempts: connectAttempts,
      timeout: connectTimeout,
      hint: 'check DATABASE_URL',
    });
    return { kind: 'postgres', url };
  }
  const dataDir = embeddedDataDir(config);
  // Loaded before taking the lock: a production image without the embedded database says so.
  const driver = await loadEmbeddedDriver(dataDir);
  let releaseLock: () => void;
  try {
    // Held until the data source closes (or the process dies: the kernel releases it); a second
    // process gets the socket or a clear error instead of corrupt files.
    releaseLock = lockEmbeddedDatabase(dataDir);
  } catch (error) {
    const socketDir = embeddedSocketDir(config);
    if (!(error instanceof EmbeddedDatabaseBusyError) || !existsSync(embeddedSocketPath(socketDir)))
      throw error;
    await waitForDatabase({
      connection: embeddedSocketClient(socketDir),
      attempts: connectAttempts,
      timeout: connectTimeout,
      hint: `the server holding ${dataDir} should be serving it`,
    });
    new Logger('Database').log(
      `Using the embedded database through the running server's socket in ${socketDir}`,
    );
    return { kind: 'embedded-socket', socketDir };
  }
  new Logger('Database').log(`Using the embedded database in ${dataDir}`);
  return { kind: 'embedded', dataDir, driver, releaseLock };
}
