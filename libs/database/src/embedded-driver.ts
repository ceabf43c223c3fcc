import type { PGlite } from '@electric-sql/pglite';

/** The embedded database's packages are absent: a production image, which runs on PostgreSQL. */
export class EmbeddedDatabaseMissingError extends Error {
  constructor() {
    super(
      'The embedded database is not installed in this image: set DATABASE_URL to a PostgreSQL ' +
        'database. (The embedded database, PGlite, is a development dependency, left out of ' +
        'production installs such as the Docker image.)',
    );
    this.name = 'EmbeddedDatabaseMissingError';
  }
}

/**
 * Loads an embedded-database package on first use, so that production, which runs on PostgreSQL,
 * needs none of them (`npm ci --omit=dev`). A missing package becomes `EmbeddedDatabaseMissingError`.
 */
async function loadEmbedded<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
      throw new EmbeddedDatabaseMissingError();
    }
    throw error;
  }
}

/** TypeORM's driver for the embedded database in `dataDir` (typeorm-pglite over PGlite). */
export async function loadEmbeddedDriver(dataDir: string): Promise<unknown> {
  const { PGliteDriver } = await loadEmbedded(() => import('typeorm-pglite'));
  return new PGliteDriver({ dataDir }).driver;
}

/** The PGlite instance behind the embedded driver: one per process, opened by TypeORM. */
export async function embeddedInstance(): Promise<PGlite> {
  const { getPGliteInstance } = await loadEmbedded(() => import('typeorm-pglite'));
  return getPGliteInstance();
}

/** pglite-socket's connection handler, which speaks the PostgreSQL wire protocol to one client. */
export async function loadSocketHandler() {
  return (await loadEmbedded(() => import('@electric-sql/pglite-socket'))).PGLiteSocketHandler;
}
