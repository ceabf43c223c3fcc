import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { MetricsModule } from '@nest-sso/metrics';
import { connectDatabase, DatabaseConnection, embeddedSocketDir } from './database-connection';
import { dataSourceOptions } from './data-source-options';
import { embeddedInstance } from './embedded-driver';
import { EmbeddedSocketServer, serveEmbeddedDatabase } from './embedded-socket-server';
import { PoolMetrics } from './pool-metrics';
import { PoolWatchdog } from './pool-watchdog';
import { runMigrations } from './run-migrations';

/** Injection token of this process's `DatabaseConnection`. */
export const DATABASE_CONNECTION = Symbol('DATABASE_CONNECTION');

/** Carries the embedded database's lock release from the options to the data source. */
const RELEASE_LOCK = Symbol('releaseEmbeddedLock');

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

/**
 * The server's side of "the CLI works beside a running server": when this process holds the
 * embedded database's files, it serves them on a Unix socket once the application has started
 * (after migrations), and stops before the database closes.
 */
@Injectable()
class ShareEmbeddedDatabase implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Database');
  private server: EmbeddedSocketServer | null = null;

  constructor(
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
    @Inject(DATABASE_CONNECTION) private readonly connection: DatabaseConnection,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.connection.kind !== 'embedded') return;
    const socketDir = embeddedSocketDir(this.config);
    try {
      this.server = await serveEmbeddedDatabase(await embeddedInstance(), socketDir);
      this.logger.log(`Sharing the embedded database with the CLI at ${this.server.path}`);
    } catch (error) {
      // Serving is a convenience: the server runs without it, and the CLI then says it is busy.
      this.logger.warn(
        `Cannot share the embedded database at ${socketDir} (${(error as Error).message}); ` +
          'CLI commands need the server stopped',
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.server?.close();
    this.server = null;
  }
}

/** Decides once how this process reaches its database (see `connectDatabase`). */
@Module({
  providers: [
    {
      provide: DATABASE_CONNECTION,
      inject: [SSO_CONFIG],
      useFactory: (config: SsoConfig) => connectDatabase(config),
    },
  ],
  exports: [DATABASE_CONNECTION],
})
class DatabaseConnectionModule {}

/**
 * The TypeORM connection: PostgreSQL with `DATABASE_URL`, the embedded database otherwise (its
 * files, or a running server's through its socket). `DatabaseModule.forRoot({ shareEmbedded:
 * true })` (the server) also serves its embedded database to the CLI.
 */
// Global: one connection per application, its pool watchdog available to health checks.
@Global()
@Module({
  imports: [
    MetricsModule,
    DatabaseConnectionModule,
    TypeOrmModule.forRootAsync({
      imports: [DatabaseConnectionModule],
      inject: [SSO_CONFIG, DATABASE_CONNECTION],
      useFactory: (config: SsoConfig, connection: DatabaseConnection) => ({
        ...dataSourceOptions(config, connection),
        // connectDatabase did the waiting, with back-off; Nest's fixed-delay loop is off.
        retryAttempts: 0,
        // Each feature module brings its own entities with TypeOrmModule.forFeature.
        autoLoadEntities: true,
        [RELEASE_LOCK]: connection.kind === 'embedded' ? connection.releaseLock : undefined,
      }),
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
  exports: [DatabaseConnectionModule, PoolWatchdog],
})
export class DatabaseModule {
  static forRoot(options: { shareEmbedded?: boolean } = {}): DynamicModule {
    return {
      module: DatabaseModule,
      providers: options.shareEmbedded ? [ShareEmbeddedDatabase] : [],
    };
  }
}
