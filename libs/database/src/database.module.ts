import { Inject, Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { MetricsModule } from '@nest-sso/metrics';
import { dataSourceOptions, embeddedDataDir } from './data-source-options';
import { lockEmbeddedDatabase } from './embedded-lock';
import { PoolMetrics } from './pool-metrics';
import { PoolWatchdog } from './pool-watchdog';
import { runMigrations } from './run-migrations';

/** Runs pending migrations before the application serves, when `SSO_MIGRATE_ON_START` is on. */
@Injectable()
class MigrateOnStart implements OnModuleInit {
  private readonly logger = new Logger('Database');

  constructor(
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
    private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.database.migrateOnStart) return;
    const applied = await runMigrations(this.dataSource);
    for (const migration of applied) this.logger.log(`Applied migration ${migration.name}`);
  }
}

/** Carries the embedded database's lock release from the options to the data source. */
const RELEASE_LOCK = Symbol('releaseEmbeddedLock');

/** Seconds between start-up attempts: 1, 2, 4, 8, then every 15. */
const backoffSeconds = (attempt: number) => Math.min(15, 2 ** (attempt - 1));

/**
 * Waits at start-up until PostgreSQL accepts a connection, retrying with back-off (a database
 * that starts after the server, as in docker compose), and gives up after
 * `DATABASE_CONNECT_ATTEMPTS` so that an orchestrator sees the failure and restarts the process.
 */
async function waitForDatabase(config: SsoConfig): Promise<void> {
  const { url, connectAttempts, connectTimeout } = config.database;
  const logger = new Logger('Database');
  for (let attempt = 1; ; attempt++) {
    const client = new Client({
      connectionString: url!,
      connectionTimeoutMillis: connectTimeout * 1000,
    });
    try {
      await client.connect();
      await client.end();
      if (attempt > 1) logger.log(`Reached the database after ${attempt} attempts`);
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      const reason = (error as Error).message || (error as NodeJS.ErrnoException).code || 'error';
      if (attempt >= connectAttempts) {
        throw new Error(`Cannot reach the database after ${attempt} attempt(s): ${reason}`);
      }
      const wait = backoffSeconds(attempt);
      logger.warn(
        `Cannot reach the database (${reason}); attempt ${attempt} of ${connectAttempts}, retrying in ${wait} s`,
      );
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    }
  }
}

/** The TypeORM connection: PostgreSQL with `DATABASE_URL`, the embedded database otherwise. */
@Module({
  imports: [
    MetricsModule,
    TypeOrmModule.forRootAsync({
      inject: [SSO_CONFIG],
      useFactory: async (config: SsoConfig) => {
        if (config.database.url !== null) await waitForDatabase(config);
        let releaseLock: (() => void) | undefined;
        if (config.database.url === null) {
          // Held until the data source closes (or the process dies: the kernel releases it); a
          // second process gets a clear error instead of corrupt files.
          releaseLock = lockEmbeddedDatabase(embeddedDataDir(config));
          new Logger('Database').log(`Using the embedded database in ${embeddedDataDir(config)}`);
        }
        // waitForDatabase did the retrying, with back-off; Nest's fixed-delay loop is off.
        // Each feature module brings its own entities with TypeOrmModule.forFeature.
        return {
          ...dataSourceOptions(config),
          autoLoadEntities: true,
          retryAttempts: 0,
          [RELEASE_LOCK]: releaseLock,
        };
      },
      // The embedded database's lock is given back once its files are closed, not before.
      dataSourceFactory: (options) => {
        const dataSource = new DataSource(options!);
        const release = (options as { [RELEASE_LOCK]?: () => void })[RELEASE_LOCK];
        if (release) {
          const destroy = dataSource.destroy.bind(dataSource);
          dataSource.destroy = async () => {
            try {
              await destroy();
            } finally {
              release();
            }
          };
        }
        return Promise.resolve(dataSource);
      },
    }),
  ],
  providers: [MigrateOnStart, PoolMetrics, PoolWatchdog],
  exports: [PoolWatchdog],
})
export class DatabaseModule {}
