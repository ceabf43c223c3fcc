import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientsService } from './clients.service';
import { OidcClient } from './oidc-client.entity';
import { OidcPayload } from './oidc-payload.entity';

/** The registered OAuth 2.0 / OpenID Connect clients, without the provider (for the CLI too). */
@Module({
  imports: [TypeOrmModule.forFeature([OidcClient, OidcPayload])],
  providers: [ClientsService],
  exports: [ClientsService],
})
export class ClientsModule {}
