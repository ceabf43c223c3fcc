import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { isUUID } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import {
  ApiErrors,
  ApiSessionAuth,
  DEFAULT_PAGE_SIZE,
  PageQueryDto,
  SsoError,
} from '@nest-sso/common';
import { RateLimit } from '@nest-sso/throttling';
import { ChangePasswordDto } from '../dto/change-password.dto';
import {
  PasswordChangedDto,
  RevokeAllQueryDto,
  RevokedCountDto,
  SessionListDto,
  toSessionDto,
} from '../dto/sessions.dto';
import { CurrentSession } from '../guards/current-auth.decorator';
import type { SessionAuth } from '../guards/session-auth.guard';
import { ChangePasswordUseCase } from '../use-cases/change-password.use-case';
import { ManageSessionsUseCase } from '../use-cases/manage-sessions.use-case';

/** The caller's own sessions and password, authenticated with a session token. */
@ApiTags('sessions')
@ApiSessionAuth()
@Controller()
export class SessionsController {
  constructor(
    private readonly manage: ManageSessionsUseCase,
    private readonly changePassword: ChangePasswordUseCase,
  ) {}

  /** A page of the caller's active sessions, most recently used first (`?limit=&offset=`). */
  @ApiOperation({ summary: "A page of the caller's active sessions, most recently used first" })
  @ApiOkResponse({ type: SessionListDto })
  @ApiErrors(400)
  @Get('sessions')
  async list(
    @CurrentSession() auth: SessionAuth,
    @Query() query: PageQueryDto,
  ): Promise<SessionListDto> {
    const [sessions, total] = await this.manage.list(auth, {
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      offset: query.offset ?? 0,
    });
    return { sessions: sessions.map((s) => toSessionDto(s, auth.claims.sid)), total };
  }

  /** Ends every session of the caller ("log out everywhere"), or every other one with `?keep_current=true`. */
  @ApiOperation({ summary: 'Log out everywhere (optionally keeping the calling session)' })
  @ApiOkResponse({ type: RevokedCountDto })
  @ApiErrors(400)
  @Delete('sessions')
  async revokeAll(
    @CurrentSession() auth: SessionAuth,
    @Query() query: RevokeAllQueryDto,
    @Req() request: FastifyRequest,
  ): Promise<RevokedCountDto> {
    return {
      revoked: await this.manage.revokeAll(auth, query.keep_current === 'true', request.ip),
    };
  }

  /** Ends one of the caller's sessions. Any other id, including another user's session, is 404. */
  @ApiOperation({ summary: "End one of the caller's sessions" })
  @ApiNoContentResponse({ description: 'Ended' })
  @ApiErrors(404)
  @Delete('sessions/:id')
  @HttpCode(204)
  async revoke(
    @CurrentSession() auth: SessionAuth,
    @Param('id') id: string,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    if (!isUUID(id)) throw new SsoError('not_found', 'No such session');
    await this.manage.revoke(auth, id, request.ip);
  }

  /** Ends the session making the request. */
  @ApiOperation({ summary: 'End the calling session' })
  @ApiNoContentResponse({ description: 'Ended' })
  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentSession() auth: SessionAuth, @Req() request: FastifyRequest): Promise<void> {
    await this.manage.logout(auth, request.ip);
  }

  /** Changes the caller's password and ends their other sessions. */
  @ApiOperation({ summary: "Change the caller's password; ends their other sessions" })
  @ApiOkResponse({ type: PasswordChangedDto })
  @ApiErrors(400, 429)
  @RateLimit('password')
  @Post('password')
  @HttpCode(200)
  async password(
    @CurrentSession() auth: SessionAuth,
    @Body() body: ChangePasswordDto,
    @Req() request: FastifyRequest,
  ): Promise<PasswordChangedDto> {
    return {
      revoked_sessions: await this.changePassword.execute(
        auth,
        body.current_password,
        body.new_password,
        request.ip,
      ),
    };
  }
}
