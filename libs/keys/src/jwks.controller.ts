import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '@nest-sso/common';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { KeyStore } from './key-store';

/** Publishes the server's public keys, and where to find them, so that services verify tokens offline. */
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

  /** The minimal discovery document of a token issuer: who signs, and where its keys are. */
  @ApiOperation({ summary: 'Discovery: issuer, JWKS URL, signing algorithms' })
  @ApiResponse({
    status: 200,
    description: '{"issuer", "jwks_uri", "token_signing_alg_values_supported"}',
  })
  @Public()
  @Get('openid-configuration')
  discovery() {
    const algorithms = [
      ...new Set(this.keyStore.current.keysOf(this.config.identity).map((k) => k.algorithm)),
    ];
    return {
      issuer: this.config.identity,
      jwks_uri: `${this.config.publicUrl}/.well-known/jwks.json`,
      // Not an OpenID Connect field: this server issues no ID tokens, so it does not claim to.
      token_signing_alg_values_supported: algorithms,
    };
  }
}
