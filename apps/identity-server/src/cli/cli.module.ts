import { DynamicModule, Module } from '@nestjs/common';
import { AccountsModule } from '@nest-sso/accounts';
import { ConfigModule, ConfigModuleOptions } from '@nest-sso/config';
import { DatabaseModule } from '@nest-sso/database';
import { UsersModule } from '@nest-sso/users';

/** What the admin CLI needs: settings, the database and the user and account services. No HTTP. */
@Module({})
export class CliModule {
  static forRoot(options: ConfigModuleOptions): DynamicModule {
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(options), DatabaseModule, UsersModule, AccountsModule],
    };
  }
}
