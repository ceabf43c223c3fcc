import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { isUUID } from 'class-validator';
import type { Request } from 'express';
import { SsoError } from '@nest-sso/common';
import { ChangePasswordDto } from '../dto/change-password.dto';
import { RevokeAllQueryDto, SessionDto, toSessionDto } from '../dto/sessions.dto';
import { CurrentSession } from '../guards/current-auth.decorator';
import type { SessionAuth } from '../guards/session-auth.guard';
import { ChangePasswordUseCase } from '../use-cases/change-password.use-case';
import { ManageSessionsUseCase } from '../use-cases/manage-sessions.use-case';

/** The caller's own sessions and password, authenticated with a session token. */
@Controller()
export class SessionsController {
  constructor(
    private readonly manage: ManageSessionsUseCase,
    private readonly changePassword: ChangePasswordUseCase,
  ) {}

  /** The caller's active sessions, most recently used first. */
  @Get('sessions')
  async list(@CurrentSession() auth: SessionAuth): Promise<{ sessions: SessionDto[] }> {
    const sessions = await this.manage.list(auth);
    return { sessions: sessions.map((s) => toSessionDto(s, auth.claims.sid)) };
  }

  /** Ends every session of the caller ("log out everywhere"), or every other one with `?keep_current=true`. */
  @Delete('sessions')
  async revokeAll(
    @CurrentSession() auth: SessionAuth,
    @Query() query: RevokeAllQueryDto,
    @Req() request: Request,
  ): Promise<{ revoked: number }> {
    return {
      revoked: await this.manage.revokeAll(auth, query.keep_current === 'true', request.ip),
    };
  }

  /** Ends one of the caller's sessions. Any other id, including another user's session, is 404. */
  @Delete('sessions/:id')
  @HttpCode(204)
  async revoke(
    @CurrentSession() auth: SessionAuth,
    @Param('id') id: string,
    @Req() request: Request,
  ): Promise<void> {
    if (!isUUID(id)) throw new SsoError('not_found', 'No such session');
    await this.manage.revoke(auth, id, request.ip);
  }

  /** Ends the session making the request. */
  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentSession() auth: SessionAuth, @Req() request: Request): Promise<void> {
    await this.manage.logout(auth, request.ip);
  }

  /** Changes the caller's password and ends their other sessions. */
  @Post('password')
  @HttpCode(200)
  async password(
    @CurrentSession() auth: SessionAuth,
    @Body() body: ChangePasswordDto,
    @Req() request: Request,
  ): Promise<{ revoked_sessions: number }> {
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
