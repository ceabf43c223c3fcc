import { Controller, Delete, Get, HttpCode, Param, Req } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '@nest-sso/common';
import { ConsentListDto, toConsentDto } from '@nest-sso/oidc';
import { API_AUTH_ADMIN } from './admin.controller';
import { AdminApi, adminActor, AdminRequest } from './admin.guard';
import { ConsentAdminUseCase } from './use-cases/consent-admin.use-case';

/** `/admin/users/:id/consents`: a user's consents to clients, the same use case as `consents:*`. */
@ApiTags('admin')
@ApiBearerAuth(API_AUTH_ADMIN)
@ApiErrors(400, 401, 403, 404, 503)
@AdminApi()
@Controller('admin/users/:id/consents')
export class AdminConsentsController {
  constructor(private readonly consents: ConsentAdminUseCase) {}

  @ApiOperation({ summary: "A user's consents to third-party clients, by client name" })
  @ApiOkResponse({ type: ConsentListDto })
  @Get()
  async list(@Param('id') id: string): Promise<ConsentListDto> {
    return { consents: (await this.consents.list(id)).map(toConsentDto) };
  }

  @ApiOperation({ summary: "Revoke a user's consent to a client; ends the client's access" })
  @ApiNoContentResponse({ description: 'Revoked' })
  @Delete(':clientId')
  @HttpCode(204)
  async revoke(
    @Req() request: AdminRequest,
    @Param('id') id: string,
    @Param('clientId') clientId: string,
  ): Promise<void> {
    await this.consents.revoke(adminActor(request), id, clientId);
  }
}
