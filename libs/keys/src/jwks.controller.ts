import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '@nest-sso/common';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { KeyStore } from './key-store';

/**
 * Publishes the server's public keys, so that services verify tokens offline. The discovery
 * document that points here is the OpenID Provider's (libs/oidc).
 */
@ApiTags('keys')
@Controller('.well-known')
export class JwksController {
  constructor(
    private readonly keyStore: KeyStore,
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
  ) {}

  /** Every published key (pending, active and retired), served from memory with an ETag. */
  @ApiOperation({ summary: 'The public signing keys (JWKS), with Cache-Control and ETag' })
  @ApiResponse({ status: 200, description: '{"keys": [JWK, …]}' })
  @ApiResponse({ status: 304, description: 'If-None-Match matched the ETag' })
  @Public()
  @Get('jwks.json')
  async jwks(
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() response: FastifyReply,
  ): Promise<void> {
    const { json, etag } = this.keyStore.current.jwks;
    void response.header('Cache-Control', `public, max-age=${this.config.jwksMaxAge}`);
    void response.header('ETag', etag);
    if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === etag)) {
      await response.status(304).send();
      return;
    }
    await response.status(200).type('application/json').send(json);
  }
}
