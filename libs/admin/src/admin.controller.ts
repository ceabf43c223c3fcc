import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';

import { ApiErrors, DEFAULT_PAGE_SIZE, PageQueryDto } from '@nest-sso/common';
import {
  AdminAccountDto,
  AdminMembershipDto,
  AdminSessionListDto,
  AdminUserDto,
  AdminUserListDto,
  CreateAccountDto,
  CreateUserDto,
  SetMembershipDto,
  SetPasswordDto,
  toAdminMembership,
  toAdminSession,
  toAdminUser,
  UpdateUserDto,
} from './admin.dto';
import { AdminApi, adminActor, AdminRequest } from './admin.guard';
import { AccountAdminUseCase } from './use-cases/account-admin.use-case';
import { SessionAdminUseCase } from './use-cases/session-admin.use-case';
import { UserAdminUseCase } from './use-cases/user-admin.use-case';

export const API_AUTH_ADMIN = 'admin';

/** The admin API: users, accounts, memberships and sessions, for operators while the server runs. */
@ApiTags('admin')
@ApiBearerAuth(API_AUTH_ADMIN)
@ApiErrors(400, 401, 403, 404, 503)
@AdminApi()
@Controller('admin')
export class AdminController {
  constructor(
    private readonly users: UserAdminUseCase,
    private readonly accounts: AccountAdminUseCase,
    private readonly sessions: SessionAdminUseCase,
  ) {}

  @ApiOperation({ summary: 'Create a user' })
  @ApiCreatedResponse({ type: AdminUserDto })
  @ApiErrors(409)
  @Post('users')
  async createUser(@Req() request: AdminRequest, @Body() body: CreateUserDto) {
    return toAdminUser(await this.users.create(adminActor(request), body));
  }

  @ApiOperation({ summary: 'List users, by email' })
  @ApiOkResponse({ type: AdminUserListDto })
  @Get('users')
  async listUsers(@Query() query: PageQueryDto): Promise<AdminUserListDto> {
    const [users, total] = await this.users.list(
      query.limit ?? DEFAULT_PAGE_SIZE,
      query.offset ?? 0,
    );
    return { users: users.map(toAdminUser), total };
  }

  @ApiOperation({ summary: 'Get a user' })
  @ApiOkResponse({ type: AdminUserDto })
  @Get('users/:id')
  async getUser(@Param('id') id: string) {
    return toAdminUser(await this.users.get(id));
  }

  @ApiOperation({ summary: 'Update a user; is_active=false deactivates and ends all sessions' })
  @ApiOkResponse({ type: AdminUserDto })
  @ApiErrors(409)
  @Patch('users/:id')
  async updateUser(
    @Req() request: AdminRequest,
    @Param('id') id: string,
    @Body() body: UpdateUserDto,
  ) {
    const { user } = await this.users.update(adminActor(request), id, {
      email: body.email,
      username: body.username,
      permissions: body.permissions,
      isActive: body.is_active,
    });
    return toAdminUser(user);
  }

  @ApiOperation({ summary: "Reset a user's password; ends all their sessions" })
  @ApiOkResponse({ schema: { properties: { revoked_sessions: { type: 'number' } } } })
  @Post('users/:id/password')
  @HttpCode(200)
  async setPassword(
    @Req() request: AdminRequest,
    @Param('id') id: string,
    @Body() body: SetPasswordDto,
  ) {
    return {
      revoked_sessions: await this.users.setPassword(adminActor(request), id, body.password),
    };
  }

  @ApiOperation({ summary: "A page of a user's active sessions, most recently used first" })
  @ApiOkResponse({ type: AdminSessionListDto })
  @Get('users/:id/sessions')
  async listSessions(
    @Param('id') id: string,
    @Query() query: PageQueryDto,
  ): Promise<AdminSessionListDto> {
    const [sessions, total] = await this.sessions.list(id, {
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      offset: query.offset ?? 0,
    });
    return { sessions: sessions.map(toAdminSession), total };
  }

  @ApiOperation({ summary: 'End a session' })
  @ApiNoContentResponse({ description: 'Ended' })
  @Delete('sessions/:id')
  @HttpCode(204)
  async revokeSession(@Req() request: AdminRequest, @Param('id') id: string): Promise<void> {
    await this.sessions.end(adminActor(request), id);
  }

  @ApiOperation({ summary: 'Create an account (tenant)' })
  @ApiCreatedResponse({ type: AdminAccountDto })
  @ApiErrors(409)
  @Post('accounts')
  async createAccount(@Req() request: AdminRequest, @Body() body: CreateAccountDto) {
    const account = await this.accounts.create(adminActor(request), body.name);
    return { id: account.id, name: account.name };
  }

  @ApiOperation({ summary: 'List accounts, by name' })
  @ApiOkResponse({ type: [AdminAccountDto] })
  @Get('accounts')
  async listAccounts() {
    return {
      accounts: (await this.accounts.list()).map((a) => ({ id: a.id, name: a.name })),
    };
  }

  @ApiOperation({ summary: "Add a user to an account, or replace the member's permissions" })
  @ApiOkResponse({ type: AdminMembershipDto })
  @Put('accounts/:account/members/:userId')
  async setMembership(
    @Req() request: AdminRequest,
    @Param('account') account: string,
    @Param('userId') userId: string,
    @Body() body: SetMembershipDto,
  ) {
    return toAdminMembership(
      await this.accounts.setMembership(adminActor(request), account, userId, body.permissions),
    );
  }

  @ApiOperation({ summary: 'Remove a user from an account' })
  @ApiNoContentResponse({ description: 'Removed' })
  @Delete('accounts/:account/members/:userId')
  @HttpCode(204)
  async removeMembership(
    @Req() request: AdminRequest,
    @Param('account') account: string,
    @Param('userId') userId: string,
  ): Promise<void> {
    await this.accounts.removeMembership(adminActor(request), account, userId);
  }
}
