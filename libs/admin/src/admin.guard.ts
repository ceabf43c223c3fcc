import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Actor, Actors } from '@nest-sso/audit';
import { IS_ADMIN_API, SsoError } from '@nest-sso/common';
import { SessionsService } from '@nest-sso/sessions';
import {
  ADMIN_TOKEN,
  AdminClaims,
  TokensService,
  tokenFromAuthorizationHeader,
} from '@nest-sso/tokens';
import type { User } from '@nest-sso/users';

/** The permission that makes a user an administrator (a global permission, never an account's). */
export const ADMIN_SCOPE = 'sso:admin';

export type AdminRequest = FastifyRequest & { admin?: AdminClaims };

/** The audit actor of an admin API request: the admin token's user and session, and the IP. */
export const adminActor = (request: AdminRequest): Actor =>
  Actors.admin(request.admin!.uid, request.admin!.sid, request.ip);

/** Whether the user, as stored now, may administer the server. */
export function isAdmin(user: Pick<User, 'permissions' | 'isActive'>): boolean {
  return user.isActive && user.permissions.includes(ADMIN_SCOPE);
}

/**
 * The admin API's one rule, checked on every request:
 * - the credential is an admin token (`POST /admin/token`): issued by this server, for the admin
 *   API's own audience, which no downstream service is given; authorization tokens, whatever
 *   their scopes, are refused (401), so no service that receives one can replay it here;
 * - its session is still active and its user still active (401 `session_revoked` otherwise);
 * - that user holds `sso:admin` now, as read from the database in this request (403 otherwise):
 *   a demoted admin loses the API at their next request, whatever tokens they still hold.
 * The token itself carries no permission, so no claim of it is trusted for authorization.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly tokens: TokensService,
    private readonly sessions: SessionsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const token = tokenFromAuthorizationHeader(request.headers.authorization);
    const claims = await this.tokens.verify<AdminClaims>(token, ADMIN_TOKEN);
    // One round trip: the session row and the user row as they are now.
    const session = await this.sessions.requireActive(claims.sid, claims.uid);
    if (!isAdmin(session.user)) {
      throw new SsoError('forbidden', `The admin API needs the ${ADMIN_SCOPE} permission`);
    }
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
