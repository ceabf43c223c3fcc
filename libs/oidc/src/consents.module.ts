import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@nest-sso/audit';
import { ConsentsService } from './consents.service';
import { OidcConsent } from './oidc-consent.entity';

/** Users' consents to third-party clients, without the provider (for the admin API and CLI too). */
@Module({
  imports: [TypeOrmModule.forFeature([OidcConsent]), AuditModule],
  providers: [ConsentsService],
  exports: [ConsentsService],
})
export class ConsentsModule {}
