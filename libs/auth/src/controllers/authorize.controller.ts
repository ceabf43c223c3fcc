import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiErrors, ApiSessionAuth } from '@nest-sso/common';
import { RateLimit } from '@nest-sso/throttling';
import { AuthorizeDto } from '../dto/authorize.dto';
import { TokenResponseDto } from '../dto/token-response.dto';
import { CurrentSession } from '../guards/current-auth.decorator';
import { RecordDenial, SessionAuth } from '../guards/session-auth.guard';
import { AuthorizeUseCase } from '../use-cases/authorize.use-case';

@ApiTags('auth')
@ApiSessionAuth()
@Controller('authorize')
export class AuthorizeController {
  constructor(private readonly authorize: AuthorizeUseCase) {}

  /** Exchanges the session token in `Authorization` for a short-lived authorization token. */
  @ApiOperation({ summary: 'Exchange the session token for a short-lived authorization token' })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiErrors(400, 403, 429)
  @RateLimit('authorize')
  @RecordDenial()
  @Post()
  @HttpCode(200)
  async create(
    @CurrentSession() auth: SessionAuth,
    @Body() body: AuthorizeDto,
    @Req() request: FastifyRequest,
  ): Promise<TokenResponseDto> {
    return { token: await this.authorize.execute(auth, body.account, request.ip) };
  }
}
