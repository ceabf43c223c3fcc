import { Logger, Module } from '@nestjs/common';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { MetricsModule } from '@nest-sso/metrics';
import { JwksController } from './jwks.controller';
import { KeyMetrics } from './key-metrics';
import { describe, KeyStore } from './key-store';
import { loadKeySet } from './load-key-set';

/** Loads the key store at start-up (failing fast on a bad key), keeps it current, serves the JWKS. */
@Module({
  imports: [MetricsModule],
  controllers: [JwksController],
  providers: [
    KeyMetrics,
    {
      provide: KeyStore,
      inject: [SSO_CONFIG],
      useFactory: async (config: SsoConfig) => {
        const { keySet, generatedFile } = await loadKeySet(config);
        const logger = new Logger('KeyStore');
        if (generatedFile) {
          logger.warn(
            `Generated a development signing key at ${generatedFile} (never use it in production)`,
          );
        }
        const signing = keySet.signingKey(config.identity);
        logger.log(
          `Signing as "${config.identity}" with kid "${signing?.kid}" (${signing?.algorithm}); ${describe(keySet)}`,
        );
        return new KeyStore(config, keySet);
      },
    },
  ],
  exports: [KeyStore],
})
export class KeysModule {}
