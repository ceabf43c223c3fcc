import { Module } from '@nestjs/common';
import { KeysModule } from '@nest-sso/keys';
import { MetricsModule } from '@nest-sso/metrics';
import { TokensService } from './tokens.service';

/** Encodes and decodes session and authorization tokens. */
@Module({
  imports: [KeysModule, MetricsModule],
  providers: [TokensService],
  exports: [TokensService],
})
export class TokensModule {}
