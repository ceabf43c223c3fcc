import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Req } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';

import { ApiErrors } from '@nest-sso/common';
import { API_AUTH_ADMIN } from './admin.controller';
import { AdminApi, adminActor, AdminRequest } from './admin.guard';
import { CreateClientDto, toAdminClient, UpdateClientDto } from './client.dto';
import { ClientAdminUseCase } from './use-cases/client-admin.use-case';

/** `/admin/clients`: OAuth 2.0 / OpenID Connect clients, the same use case as `clients:*`. */
@ApiTags('admin')
@ApiBearerAuth(API_AUTH_ADMIN)
@ApiErrors(400, 401, 403, 404, 503)
@AdminApi()
@Controller('admin/clients')
export class AdminClientsController {
  constructor(private readonly clients: ClientAdminUseCase) {}

  @ApiOperation({ summary: 'Register a client; a confidential one gets its secret, shown once' })
  @ApiCreatedResponse({ description: '{"client": AdminClient, "clientSecret": string | null}' })
  @Post()
  async create(@Req() request: AdminRequest, @Body() body: CreateClientDto) {
    const { client, secret } = await this.clients.create(adminActor(request), {
      type: 'confidential',
      ...body,
    });
    return { client: toAdminClient(client), clientSecret: secret };
  }

  @ApiOperation({ summary: 'List clients, by name' })
  @ApiOkResponse({ description: '{"clients": [AdminClient]}' })
  @Get()
  async list() {
    return { clients: (await this.clients.list()).map(toAdminClient) };
  }

  @ApiOperation({ summary: 'One client' })
  @Get(':id')
  async get(@Param('id') id: string) {
    return toAdminClient(await this.clients.get(id));
  }

  @ApiOperation({ summary: "Change a client's registration" })
  @Patch(':id')
  async update(
    @Req() request: AdminRequest,
    @Param('id') id: string,
    @Body() body: UpdateClientDto,
  ) {
    const { client, secret } = await this.clients.update(adminActor(request), id, body);
    return { client: toAdminClient(client), clientSecret: secret };
  }

  @ApiOperation({ summary: 'A new secret, shown once; the old one stops working' })
  @Post(':id/secret')
  async rotateSecret(@Req() request: AdminRequest, @Param('id') id: string) {
    const { client, secret } = await this.clients.rotateSecret(adminActor(request), id);
    return { client: toAdminClient(client), clientSecret: secret };
  }

  @ApiOperation({ summary: 'Delete a client' })
  @ApiNoContentResponse()
  @HttpCode(204)
  @Delete(':id')
  async delete(@Req() request: AdminRequest, @Param('id') id: string): Promise<void> {
    await this.clients.delete(adminActor(request), id);
  }
}
