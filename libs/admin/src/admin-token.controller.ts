import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentSession, SessionAuth } from '@nest-sso/auth';
import { ApiErrors, ApiSessionAuth } from '@nest-sso/common';
import { RateLimit } from '@nest-sso/throttling';
import { IssueAdminTokenUseCase } from './use-cases/issue-admin-token.use-case';

export class AdminTokenDto {
  @ApiProperty({
    description: 'An admin token: send it as "Authorization: Bearer <token>" to /admin/*',
  })
  token: string;

  @ApiProperty({ example: 300, description: 'Seconds it lives (SSO_ADMIN_TOKEN_EXPIRATION)' })
  expires_in: number;
}

/**
 * `POST /admin/token`: the only way to get the admin API's credential, with a session token of a
 * user who holds `sso:admin`. Outside the admin API's own guard on purpose: the session guard
 * authenticates it like `/authorize`.
 */
@ApiTags('admin')
@ApiSessionAuth()
@Controller('admin/token')
export class AdminTokenController {
  constructor(private readonly issue: IssueAdminTokenUseCase) {}

  @ApiOperation({ summary: 'Get an admin token for the calling session (needs sso:admin)' })
  @ApiOkResponse({ type: AdminTokenDto })
  @ApiErrors(403, 429)
  @RateLimit('password')
  @Post()
  @HttpCode(200)
  async create(
    @CurrentSession() auth: SessionAuth,
    @Req() request: FastifyRequest,
  ): Promise<AdminTokenDto> {
    const { token, expiresIn } = await this.issue.execute({
      user: auth.user,
      sessionId: auth.claims.sid,
      clientId: auth.claims.cid,
      ipAddress: request.ip,
    });
    return { token, expires_in: expiresIn };
  }
}
