import { Module } from '@nestjs/common';
import { KeysModule } from '@nest-sso/keys';
import { TokensService } from './tokens.service';

/** Encodes and decodes session and authorization tokens. */
@Module({
  imports: [KeysModule],
  providers: [TokensService],
  exports: [TokensService],
})
export class TokensModule {}
