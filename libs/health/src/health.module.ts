import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { KeysModule } from '@nest-sso/keys';
import { HealthController } from './health.controller';
import { ShutdownState } from './shutdown-state';

/** `/health/live` and `/health/ready`, and the draining state they report during shutdown. */
@Module({
  imports: [KeysModule, TerminusModule.forRoot({ errorLogStyle: 'json' })],
  controllers: [HealthController],
  providers: [ShutdownState],
  exports: [ShutdownState],
})
export class HealthModule {}
