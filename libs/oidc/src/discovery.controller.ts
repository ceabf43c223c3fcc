import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '@nest-sso/common';
import { OidcService } from './oidc.service';

/**
 * The OpenID Provider's discovery document (OpenID Connect Discovery 1.0 section 4) at the
 * issuer's own `/.well-known/openid-configuration`: the issuer is `SSO_PUBLIC_URL`, and the
 * document is oidc-provider's, describing exactly what is enabled.
 */
@ApiTags('oidc')
@Controller('.well-known')
export class DiscoveryController {
  constructor(private readonly oidc: OidcService) {}

  @ApiOperation({ summary: 'OpenID Connect discovery: issuer, endpoints, supported values' })
  @ApiResponse({
    status: 200,
    description:
      '{"issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "end_session_endpoint", …}',
  })
  @Public()
  @Get('openid-configuration')
  async discovery(@Res() reply: FastifyReply): Promise<void> {
    const json = await this.oidc.discoveryDocument();
    // Relying parties in browsers read it from other origins (oidc-provider's own CORS rule).
    await reply
      .header('Access-Control-Allow-Origin', '*')
      .type('application/json; charset=utf-8')
      .send(json);
  }
}
