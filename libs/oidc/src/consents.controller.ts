import { Controller, Delete, Get, HttpCode, Param, Req } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Actors } from '@nest-sso/audit';
import { CurrentSession, type SessionAuth } from '@nest-sso/auth';
import { ApiErrors, ApiSessionAuth } from '@nest-sso/common';
import { ConsentListDto, toConsentDto } from './consent.dto';
import { ConsentsService } from './consents.service';

/** The caller's consents to third-party applications, authenticated with a session token. */
@ApiTags('consents')
@ApiSessionAuth()
@Controller('consents')
export class ConsentsController {
  constructor(private readonly consents: ConsentsService) {}

  /** Every application the caller has allowed, with the scopes allowed, by application name. */
  @ApiOperation({ summary: 'The applications the caller has allowed, and what they may see' })
  @ApiOkResponse({ type: ConsentListDto })
  @Get()
  async list(@CurrentSession() auth: SessionAuth): Promise<ConsentListDto> {
    return { consents: (await this.consents.list(auth.user.id)).map(toConsentDto) };
  }

  /**
   * Revokes the caller's consent to a client and ends their grants for it (its refresh tokens
   * stop working at once); its next sign-in asks again. 404 for a client the caller never allowed
   * (another user's consent included), 400 for an id that is not a client id.
   */
  @ApiOperation({ summary: "Revoke the caller's consent to an application; ends its access" })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiErrors(400, 404)
  @Delete(':clientId')
  @HttpCode(204)
  async revoke(
    @CurrentSession() auth: SessionAuth,
    @Param('clientId') clientId: string,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.consents.revoke(
      { ...Actors.user(auth.user.id, request.ip), sessionId: auth.claims.sid },
      auth.user.id,
      clientId,
    );
  }
}
