import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@nest-sso/audit';
import { EndSessionsUseCase } from './end-sessions.use-case';
import { Session } from './session.entity';
import { SessionsService } from './sessions.service';

/** Login sessions: opening, checking, listing, and the one use case that ends them. */
@Module({
  imports: [TypeOrmModule.forFeature([Session]), AuditModule],
  providers: [SessionsService, EndSessionsUseCase],
  exports: [SessionsService, EndSessionsUseCase],
})
export class SessionsModule {}
