import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Actors, AuditService } from '@nest-sso/audit';
import { IS_ADMIN_API, IS_PUBLIC, SsoError } from '@nest-sso/common';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { Session, SessionMembership, SessionsService } from '@nest-sso/sessions';
import {
  SESSION_TOKEN,
  SessionClaims,
  TokensService,
  tokenFromAuthorizationHeader,
} from '@nest-sso/tokens';
import { User, UsersService } from '@nest-sso/users';

/** What the session guard attaches to an authenticated request. */
export interface SessionAuth {
  claims: SessionClaims;
  user: User;
  /** The session row; `null` only when `SSO_VERIFY_SESSION_TOKEN` is off. */
  session: Session | null;
  /** The user's memberships, read with the session; `null` when `SSO_VERIFY_SESSION_TOKEN` is off. */
  memberships: SessionMembership[] | null;
}

export type AuthenticatedRequest = FastifyRequest & { auth?: SessionAuth };

const RECORD_DENIAL = 'sso:recordDenial';

/**
 * Marks a route whose refusals of a revoked session are audited (`authorize_denied`, reason
 * `session_revoked`): clients that keep a dead session token show up in the audit trail.
 */
export const RecordDenial = () => SetMetadata(RECORD_DENIAL, true);

/**
 * The global guard: every route needs a valid session token unless marked `@Public()`. The token
 * must be a session token (authorization tokens are refused), its session must be active (not
 * revoked, not idle too long) and its user active. Each use touches the session's `last_used_at`
 * (at most once per `SSO_SESSION_TOUCH_INTERVAL`).
 */
@Injectable()
export class SessionAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
    private readonly tokens: TokensService,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    // Public routes need nothing; the admin API has a guard of its own (AdminGuard).
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_ADMIN_API, targets)) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = tokenFromAuthorizationHeader(request.headers.authorization);
    const claims = await this.tokens.verify<SessionClaims>(token, SESSION_TOKEN);
    try {
      request.auth = await this.authenticate(claims);
    } catch (error) {
      const denied = error instanceof SsoError && error.code === 'session_revoked';
      if (denied && this.reflector.get<boolean>(RECORD_DENIAL, context.getHandler())) {
        // Only validly signed tokens get here, so forged-token floods cannot fill the audit trail.
        await this.audit.record({
          type: 'authorize_denied',
          // The audit trail names users by UUID; a numeric uid is resolved only for active sessions.
          actor: Actors.user(typeof claims.uid === 'string' ? claims.uid : null, request.ip),
          sessionId: claims.sid,
          reason: 'session_revoked',
        });
      }
      throw error;
    }
    if (request.auth.session) await this.sessions.touch(request.auth.session);
    return true;
  }

  private async authenticate(claims: SessionClaims): Promise<SessionAuth> {
    if (!this.config.verifySessionToken) {
      const user = await this.users.findByTokenUid(claims.uid);
      if (!user?.isActive) throw new SsoError('session_revoked', 'The session is no longer valid');
      return { claims, user, session: null, memberships: null };
    }
    const session = await this.sessions.requireActive(claims.sid, claims.uid);
    return { claims, user: session.user, session, memberships: session.memberships };
  }
}
