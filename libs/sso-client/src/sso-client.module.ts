import { DynamicModule, FactoryProvider, Module, ModuleMetadata, Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwksKeySource } from './key-sources/jwks-key-source';
import type { KeySource } from './key-sources/key-source';
import { PemKeySource } from './key-sources/pem-key-source';
import { SsoAuthGuard } from './sso-auth.guard';
import { SSO_CLIENT_OPTIONS, SsoClientOptions } from './sso-client.options';
import { SSO_KEY_SOURCE, SsoTokenVerifier } from './sso-token-verifier';
import { VerifiedTokenCache } from './verified-token-cache';

export interface SsoClientAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  useFactory: (...args: never[]) => SsoClientOptions | Promise<SsoClientOptions>;
  inject?: FactoryProvider['inject'];
  /** Install the guard on every route (default true); opt routes out with `@Public()`. */
  global?: boolean;
}

/** Makes a Nest service trust nest-sso tokens: key source, token verifier and guard. */
@Module({})
export class SsoClientModule {
  static forRoot(options: SsoClientOptions): DynamicModule {
    return SsoClientModule.forRootAsync({ useFactory: () => options, global: options.global });
  }

  static forRootAsync(options: SsoClientAsyncOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: SSO_CLIENT_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
      { provide: SSO_KEY_SOURCE, inject: [SSO_CLIENT_OPTIONS], useFactory: createKeySource },
      {
        provide: VerifiedTokenCache,
        inject: [SSO_CLIENT_OPTIONS, SSO_KEY_SOURCE],
        useFactory: (o: SsoClientOptions, keySource: KeySource) =>
          new VerifiedTokenCache(keySource, o.verifiedTokenCacheSize ?? 10_000, o.leeway ?? 0),
      },
      SsoTokenVerifier,
      SsoAuthGuard,
    ];
    if (options.global ?? true) providers.push({ provide: APP_GUARD, useExisting: SsoAuthGuard });
    return {
      module: SsoClientModule,
      imports: options.imports ?? [],
      providers,
      exports: [SsoAuthGuard, SsoTokenVerifier, SSO_CLIENT_OPTIONS, SSO_KEY_SOURCE],
    };
  }
}

function createKeySource(options: SsoClientOptions): KeySource {
  const keys = options.keys;
  return 'jwks' in keys
    ? new JwksKeySource(keys.jwks, keys)
    : new PemKeySource(keys.keyStoreRoot, keys.publicKeys);
}
