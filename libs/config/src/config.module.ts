import { DynamicModule, Global, Module } from '@nestjs/common';
import { parseConfig } from './parse-config';
import { readEnvironment } from './read-environment';

/** Injection token of the validated `SsoConfig`. */
export const SSO_CONFIG = Symbol('SSO_CONFIG');

export interface ConfigModuleOptions {
  /** Settings to use instead of the process environment (tests set their own here). */
  env?: Record<string, string | undefined>;
}

/** Provides the validated configuration everywhere; validation happens once, at start-up. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(options: ConfigModuleOptions = {}): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: SSO_CONFIG, useFactory: () => parseConfig(options.env ?? readEnvironment()) },
      ],
      exports: [SSO_CONFIG],
    };
  }
}
