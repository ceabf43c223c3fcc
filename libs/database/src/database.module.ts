import { Inject, Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { dataSourceOptions, embeddedDataDir } from './data-source-options';
import { lockEmbeddedDatabase } from './embedded-lock';
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

/** The TypeORM connection: PostgreSQL with `DATABASE_URL`, the embedded database otherwise. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [SSO_CONFIG],
      useFactory: (config: SsoConfig) => {
        if (config.database.url === null) {
          // Held until the process exits; a second process gets a clear error instead of corrupt files.
          lockEmbeddedDatabase(embeddedDataDir(config));
          new Logger('Database').log(`Using the embedded database in ${embeddedDataDir(config)}`);
        }
        return { ...dataSourceOptions(config), retryAttempts: 5, retryDelay: 2000 };
      },
    }),
  ],
  providers: [MigrateOnStart],
})
export class DatabaseModule {}
