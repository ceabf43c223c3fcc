import { Logger } from '@nestjs/common';
import { Client, ClientConfig } from 'pg';

/**
 * PostgreSQL errors that retrying cannot fix (SQLSTATE, PostgreSQL appendix A): the database does
 * not exist, the password is wrong, the role does not exist or pg_hba.conf refuses it, or the role
 * may not connect.
 */
const PERMANENT = new Set(['3D000', '28P01', '28000', '42501']);

/** Seconds between start-up attempts: 1, 2, 4, 8, then every 15. */
const backoffSeconds = (attempt: number) => Math.min(15, 2 ** (attempt - 1));

export interface WaitForDatabaseOptions {
  /** How pg connects: a URL (`connectionString`), or a host and port (a Unix socket folder). */
  readonly connection: ClientConfig;
  /** Attempts before giving up (`DATABASE_CONNECT_ATTEMPTS`). */
  readonly attempts: number;
  /** Seconds each attempt may take (`DATABASE_CONNECT_TIMEOUT`). */
  readonly timeout: number;
  /** What to fix when an error cannot succeed, e.g. "check DATABASE_URL". */
  readonly hint: string;
}

/**
 * Waits at start-up until PostgreSQL accepts a connection, retrying with back-off (a database that
 * starts after the server, as in docker compose), and logs each failed attempt as a warning. It
 * gives up after `attempts` so that an orchestrator sees the failure and restarts the process, and
 * at once on an error that no retry can fix (unknown database, authentication failed), whose
 * message then says so.
 */
export async function waitForDatabase(options: WaitForDatabaseOptions): Promise<void> {
  const logger = new Logger('Database');
  for (let attempt = 1; ; attempt++) {
    let client: Client;
    try {
      client = new Client({
        ...options.connection,
        connectionTimeoutMillis: options.timeout * 1000,
      });
    } catch (error) {
      // pg parses the URL here; parseConfig has checked its scheme, not every part of it.
      throw new Error(`The database URL cannot be used: ${(error as Error).message}`);
    }
    try {
      await client.connect();
      await client.end();
      if (attempt > 1) logger.log(`Reached the database after ${attempt} attempts`);
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      const code = (error as { code?: string }).code;
      const reason = (error as Error).message || code || 'error';
      if (code !== undefined && PERMANENT.has(code)) {
        throw new Error(
          `Cannot connect to the database: ${reason} (PostgreSQL error ${code}); retrying cannot help, ${options.hint}`,
        );
      }
      if (attempt >= options.attempts) {
        throw new Error(`Cannot reach the database after ${attempt} attempt(s): ${reason}`);
      }
      const wait = backoffSeconds(attempt);
      logger.warn(
        `Cannot reach the database (${reason}); attempt ${attempt} of ${options.attempts}, retrying in ${wait} s`,
      );
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    }
  }
}
