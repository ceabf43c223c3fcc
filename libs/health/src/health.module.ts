import { Module } from '@nestjs/common';
import { KeysModule } from '@nest-sso/keys';
import { HealthController } from './health.controller';
import { ShutdownState } from './shutdown-state';

/** `/health/live` and `/health/ready`, and the draining state they report during shutdown. */
@Module({
  imports: [KeysModule],
  controllers: [HealthController],
  providers: [ShutdownState],
  exports: [ShutdownState],
})
export class HealthModule {}
