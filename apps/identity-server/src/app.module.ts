import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AdminApiModule } from '@nest-sso/admin';
import { AuthModule, AuthModuleOptions } from '@nest-sso/auth';
import { createValidationPipe, HttpErrorFilter } from '@nest-sso/common';
import { ConfigModule, ConfigModuleOptions } from '@nest-sso/config';
import { DatabaseModule } from '@nest-sso/database';
import { HealthModule } from '@nest-sso/health';
import { KeysModule } from '@nest-sso/keys';
import { MetricsModule } from '@nest-sso/metrics';
import { OidcModule } from '@nest-sso/oidc';

export interface AppModuleOptions extends ConfigModuleOptions {
  auth?: AuthModuleOptions;
}

/** The identity server: composes the libraries and installs the request pipeline. */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(options),
        DatabaseModule.forRoot({ shareEmbedded: true }),
        KeysModule,
        HealthModule,
        MetricsModule,
        AuthModule.forRoot(options.auth),
        AdminApiModule,
        OidcModule,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
    };
  }
}
