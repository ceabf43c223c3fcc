import { Module } from '@nestjs/common';
import { KeysModule } from '@nest-sso/keys';
import { MetricsModule } from '@nest-sso/metrics';
import { SessionsModule } from '@nest-sso/sessions';
import { ThrottlingModule } from '@nest-sso/throttling';
import { TokensModule } from '@nest-sso/tokens';
import { UsersModule } from '@nest-sso/users';
import { ClientsModule } from './clients.module';
import { ConsentsController } from './consents.controller';
import { ConsentsModule } from './consents.module';
import { DiscoveryController } from './discovery.controller';
import { OidcMetrics } from './oidc-metrics';
import { OidcService } from './oidc.service';

/**
 * The OpenID Connect provider (oidc-provider): endpoints under `/oidc`, discovery at the root, on
 * our users, sessions and keys.
 */
@Module({
  imports: [
    MetricsModule,
    ClientsModule,
    ConsentsModule,
    KeysModule,
    UsersModule,
    SessionsModule,
    TokensModule,
    ThrottlingModule,
  ],
  controllers: [DiscoveryController, ConsentsController],
  providers: [OidcService, OidcMetrics],
  exports: [OidcService],
})
export class OidcModule {}
