import { DynamicModule, Module } from '@nestjs/common';
import { AccountsModule } from '@nest-sso/accounts';
import { AuditModule } from '@nest-sso/audit';
import { ConfigModule, ConfigModuleOptions } from '@nest-sso/config';
import { DatabaseModule } from '@nest-sso/database';
import { SessionsModule } from '@nest-sso/sessions';
import { UsersModule } from '@nest-sso/users';

/** What the admin CLI needs: settings, the database, users, accounts, sessions, audit. No HTTP. */
@Module({})
export class CliModule {
  static forRoot(options: ConfigModuleOptions): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(options),
        DatabaseModule,
        UsersModule,
        AccountsModule,
        SessionsModule,
        AuditModule,
      ],
    };
  }
}
