import { Module } from '@nestjs/common';
import { KeysModule } from '@nest-sso/keys';
import { SessionsModule } from '@nest-sso/sessions';
import { ThrottlingModule } from '@nest-sso/throttling';
import { TokensModule } from '@nest-sso/tokens';
import { UsersModule } from '@nest-sso/users';
import { ClientsModule } from './clients.module';
import { OidcService } from './oidc.service';

/** The OpenID Connect provider (oidc-provider) under `/oidc`, on our users, sessions and keys. */
@Module({
  imports: [ClientsModule, KeysModule, UsersModule, SessionsModule, TokensModule, ThrottlingModule],
  providers: [OidcService],
  exports: [OidcService],
})
export class OidcModule {}
