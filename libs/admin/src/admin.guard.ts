import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { IS_ADMIN_API, SsoError } from '@nest-sso/common';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { SessionsService } from '@nest-sso/sessions';
import {
  AUTHORIZATION_TOKEN,
  AuthorizationClaims,
  TokensService,
  tokenFromAuthorizationHeader,
} from '@nest-sso/tokens';

/** The permission that makes a user an administrator. */
export const ADMIN_SCOPE = 'sso:admin';

export type AdminRequest = FastifyRequest & { admin?: AuthorizationClaims };

/**
 * The admin API's one rule: an authorization token from this server, issued without an account
 * (so the scope is the user's own global permission, never an account membership's), carrying
 * `sso:admin`, whose session is still active and whose user is still active. 401 for anything
 * that is not such a token, 403 for a valid token without the scope.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
    private readonly tokens: TokensService,
    private readonly sessions: SessionsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const token = tokenFromAuthorizationHeader(request.headers.authorization);
    const claims = await this.tokens.verify<AuthorizationClaims>(token, AUTHORIZATION_TOKEN);
    if (claims.iss !== this.config.identity) {
      throw new SsoError('invalid_token', 'Admin tokens must come from this server');
    }
    if (claims.account !== undefined || !claims.scopes.includes(ADMIN_SCOPE)) {
      throw new SsoError(
        'forbidden',
        `The admin API needs an authorization token issued without an account and carrying the ${ADMIN_SCOPE} scope`,
      );
    }
    // Revocation reaches the admin API at once, not at the token's exp.
    await this.sessions.requireActive(claims.sid, claims.uid);
    request.admin = claims;
    return true;
  }
}

/**
 * Marks the admin API: the global session guard lets it through (`IS_ADMIN_API`) and
 * `AdminGuard` decides instead. One decorator for both, so neither can be forgotten.
 */
export const AdminApi = () =>
  applyDecorators(SetMetadata(IS_ADMIN_API, true), UseGuards(AdminGuard));
