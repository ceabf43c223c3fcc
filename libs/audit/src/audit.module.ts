import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MetricsModule } from '@nest-sso/metrics';
import { AuditService } from './audit.service';
import { AuthEvent } from './auth-event.entity';

/** The audit trail of authentication events. */
@Module({
  imports: [TypeOrmModule.forFeature([AuthEvent]), MetricsModule],
  providers: [AuditService],
  exports: [AuditService],
})
export class AuditModule {}
