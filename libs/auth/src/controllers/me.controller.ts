import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccountsService } from '@nest-sso/accounts';
import { ApiSessionAuth } from '@nest-sso/common';
import { MeResponseDto, toMeResponse } from '../dto/me-response.dto';
import { CurrentSession } from '../guards/current-auth.decorator';
import type { SessionAuth } from '../guards/session-auth.guard';

@ApiTags('auth')
@ApiSessionAuth()
@Controller('me')
export class MeController {
  constructor(private readonly accounts: AccountsService) {}

  /** The caller's profile and memberships. */
  @ApiOperation({ summary: "The caller's profile and memberships" })
  @ApiOkResponse({ type: MeResponseDto })
  @Get()
  async get(@CurrentSession() auth: SessionAuth): Promise<MeResponseDto> {
    return toMeResponse(
      auth.user,
      await this.accounts.membershipsOf(auth.user.id),
      auth.claims.sid,
    );
  }
}
