import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, Public } from '@nest-sso/common';
import { RateLimit } from '@nest-sso/throttling';
import { LoginDto } from '../dto/login.dto';
import { TokenResponseDto } from '../dto/token-response.dto';
import { LoginUseCase } from '../use-cases/login.use-case';

@ApiTags('auth')
@Controller('session')
export class SessionController {
  constructor(private readonly login: LoginUseCase) {}

  /** Logs in with username or email and password; returns a session token. */
  @ApiOperation({ summary: 'Log in: username or email and password give a session token' })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiErrors(400, 401, 413, 429, 503)
  @Public()
  @RateLimit('login')
  @Post()
  @HttpCode(200)
  async create(@Body() body: LoginDto, @Req() request: FastifyRequest): Promise<TokenResponseDto> {
    const token = await this.login.execute({
      login: body.username,
      password: body.password,
      clientId: body.client_id,
      ipAddress: request.ip,
      userAgent: request.headers['user-agent'],
    });
    return { token };
  }
}
