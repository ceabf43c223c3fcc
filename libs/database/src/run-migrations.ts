import { DataSource, Migration, MigrationExecutor } from 'typeorm';
import { EvictingClient } from './evicting-client';

/** Arbitrary constant naming the advisory lock that serialises migrations across replicas. */
const MIGRATION_LOCK = 7_346_021;

/**
 * Runs pending migrations, each in its own transaction. A session advisory lock makes replicas
 * that start together take turns instead of racing on the same DDL. Everything runs on the one
 * connection that holds the lock, so it works with a pool of one.
 */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  return withMigrationLock(dataSource, (executor) => executor.executePendingMigrations());
}

/** Reverts the last applied migration, under the same lock. */
export async function revertLastMigration(dataSource: DataSource): Promise<void> {
  return withMigrationLock(dataSource, (executor) => executor.undoLastMigration());
}

async function withMigrationLock<T>(
  dataSource: DataSource,
  work: (executor: MigrationExecutor) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  try {
    const connection: unknown = await runner.connect();
    const migrate = async () => {
      // Migrations are exempt from the hot path's timeouts: an index build may take minutes.
      await runner.query('SET statement_timeout = 0');
      await runner.query('SET idle_in_transaction_session_timeout = 0');
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        const executor = new MigrationExecutor(dataSource, runner);
        executor.transaction = 'each';
        return await work(executor);
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
        // Back to the settings the connection was opened with, for the pool's next user.
        await runner.query('RESET statement_timeout');
        await runner.query('RESET idle_in_transaction_session_timeout');
      }
    };
    return connection instanceof EvictingClient
      ? await connection.withoutReadTimeout(migrate)
      : await migrate();
  } finally {
    await runner.release();
  }
}
