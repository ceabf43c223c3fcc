import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from '@nest-sso/admin';
import { AuditModule } from '@nest-sso/audit';
import { ConfigModule, ConfigModuleOptions } from '@nest-sso/config';
import { DatabaseModule } from '@nest-sso/database';
import { ImporterModule } from '@nest-sso/importer';

/** What the CLI needs: settings, the database, and the operators' use cases. No HTTP. */
@Module({})
export class CliModule {
  static forRoot(options: ConfigModuleOptions): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(options),
        DatabaseModule,
        AdminModule,
        AuditModule,
        ImporterModule,
      ],
    };
  }
}
