import { Module } from '@nestjs/common';
import { KeysModule } from '@nest-sso/keys';
import { HealthController } from './health.controller';

/** `/health/live` and `/health/ready`. */
@Module({ imports: [KeysModule], controllers: [HealthController] })
export class HealthModule {}
