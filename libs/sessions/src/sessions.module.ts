import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@nest-sso/audit';
import { EndSessionsUseCase } from './end-sessions.use-case';
import { SessionCache } from './session-cache';
import { Session } from './session.entity';
import { SessionsService } from './sessions.service';

/** Login sessions: opening, checking, listing, and the one use case that ends them. */
@Module({
  imports: [TypeOrmModule.forFeature([Session]), AuditModule],
  providers: [SessionsService, EndSessionsUseCase, SessionCache],
  exports: [SessionsService, EndSessionsUseCase, SessionCache],
})
export class SessionsModule {}
