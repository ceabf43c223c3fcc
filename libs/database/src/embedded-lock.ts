import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The embedded database is in use by another process. */
export class EmbeddedDatabaseBusyError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `The embedded database in ${dataDir} is in use by process ${pid}, which does not share it: ` +
        'another CLI command, or a server still starting (try again in a moment). A running ' +
        'server shares it with the CLI through a socket; processes on other machines need ' +
        'PostgreSQL (set DATABASE_URL).',
    );
    this.name = 'EmbeddedDatabaseBusyError';
  }
}

/**
 * Takes the embedded database for this process. PGlite is single-process: two processes opening
 * the same files would corrupt them, so a lock file holds the owner's pid. A lock left by a dead
 * process is taken over. Returns the function that releases it.
 */
export function lockEmbeddedDatabase(dataDir: string): () => void {
  const lockFile = join(dataDir, '..', 'nest-sso.lock');
  mkdirSync(dirname(lockFile), { recursive: true });
  for (;;) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(lockFile, 'utf8'));
      if (owner !== process.pid && isAlive(owner))
        throw new EmbeddedDatabaseBusyError(dataDir, owner);
      rmSync(lockFile, { force: true });
    }
  }
  const release = () => rmSync(lockFile, { force: true });
  process.once('exit', release);
  return () => {
    process.off('exit', release);
    release();
  };
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
