import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** SQLite's result code for "another connection holds the lock". */
const SQLITE_BUSY = 5;

/** The embedded database is in use by another process. */
export class EmbeddedDatabaseBusyError extends Error {
  constructor(dataDir: string, owner: string) {
    super(
      `The embedded database in ${dataDir} is in use by ${owner}, which does not share it: ` +
        'another CLI command, or a server still starting (try again in a moment). A running ' +
        'server shares it with the CLI through a socket; processes on other machines need ' +
        'PostgreSQL (set DATABASE_URL).',
    );
    this.name = 'EmbeddedDatabaseBusyError';
  }
}

/**
 * Takes the embedded database for this process, or throws `EmbeddedDatabaseBusyError`. PGlite is
 * single-process: two processes opening the same files would corrupt them.
 *
 * The lock is a kernel lock: an exclusive POSIX record lock (`fcntl`) on `nest-sso.lock.db`
 * beside the data directory, taken and held through SQLite (`node:sqlite`, built into Node: an
 * exclusive transaction left open). The kernel releases it when the holder dies, however it dies
 * (kill -9 included), and it does not depend on process ids, so two processes in different PID
 * namespaces (two containers on one volume, both pid 1) still exclude each other. `nest-sso.lock`
 * says who holds it, for the error message only. Returns the function that releases it.
 */
export function lockEmbeddedDatabase(dataDir: string): () => void {
  const lockFile = join(dataDir, '..', 'nest-sso.lock.db');
  const ownerFile = join(dataDir, '..', 'nest-sso.lock');
  mkdirSync(dirname(lockFile), { recursive: true });
  // timeout 0: a held lock answers SQLITE_BUSY at once instead of waiting.
  const lock = new DatabaseSync(lockFile, { timeout: 0 });
  try {
    lock.exec('PRAGMA locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    if ((error as { errcode?: number }).errcode === SQLITE_BUSY) {
      throw new EmbeddedDatabaseBusyError(dataDir, describeOwner(ownerFile));
    }
    throw error;
  }
  writeFileSync(ownerFile, `process ${process.pid} on host ${hostname()}`);
  heldLocks.add(lock);
  return () => {
    if (!heldLocks.delete(lock)) return;
    lock.close();
  };
}

/**
 * The locks this process holds. A strong reference: node:sqlite closes a database that garbage
 * collection reclaims, which would release the lock while the process still uses the files, if
 * its release function were dropped (a caller that never releases, as a CLI run may not).
 */
const heldLocks = new Set<DatabaseSync>();

function describeOwner(ownerFile: string): string {
  try {
    return readFileSync(ownerFile, 'utf8').trim() || 'another process';
  } catch {
    return 'another process';
  }
}
