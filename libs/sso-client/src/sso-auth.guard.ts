import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { SSO_ACCOUNT_PARAM } from './decorators/require-account.decorator';
import { SSO_PUBLIC } from './decorators/public.decorator';
import { SSO_REQUIRED_SCOPES } from './decorators/require-scopes.decorator';
import type { SsoAuth } from './sso-auth';
import { SsoClientError } from './sso-client.errors';
import { SSO_CLIENT_OPTIONS, SsoClientOptions } from './sso-client.options';
import { SSO_JWT_STRATEGY, SsoJwtStrategy, tokenFromRequest } from './sso-jwt.strategy';
import { VerifiedTokenCache } from './verified-token-cache';

type HttpRequest = Request & { user?: SsoAuth; params: Record<string, string> };
type HttpResponse = { setHeader(name: string, value: string): void };

/**
 * Authenticates with the token in `Authorization` (through the passport-jwt strategy, or the
 * verified-token cache for a token that passed it before), then enforces `@RequireScopes()` and
 * `@RequireAccount()`. 401 answers carry `WWW-Authenticate`; every failure has the identity
 * server's JSON error shape.
 */
@Injectable()
export class SsoAuthGuard extends AuthGuard(SSO_JWT_STRATEGY) {
  constructor(
    private readonly reflector: Reflector,
    @Inject(SSO_CLIENT_OPTIONS) private readonly options: SsoClientOptions,
    private readonly strategy: SsoJwtStrategy,
    private readonly verifications: VerifiedTokenCache,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(SSO_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<HttpRequest>();
    try {
      const token = tokenFromRequest(request);
      const claims = token === null ? undefined : await this.verifications.lookup(token);
      if (claims) request.user = await this.strategy.authFromClaims(claims);
      else await super.canActivate(context);
    } catch (error) {
      if (error instanceof SsoClientError && error.getStatus() === 401) {
        const scheme = this.options.authenticateHeader ?? 'JWT';
        context
          .switchToHttp()
          .getResponse<HttpResponse>()
          .setHeader('WWW-Authenticate', `${scheme} realm="api"`);
      }
      throw error;
    }

    const auth = request.user!;
    const scopes =
      this.reflector.getAllAndOverride<string[] | undefined>(SSO_REQUIRED_SCOPES, targets) ?? [];
    const missing = scopes.filter((scope) => !auth.scopes.includes(scope));
    if (missing.length > 0) {
      throw new SsoClientError(
        'insufficient_scope',
        `This action needs the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
      );
    }
    const param = this.reflector.getAllAndOverride<string | undefined>(SSO_ACCOUNT_PARAM, targets);
    if (param !== undefined && (auth.account === null || auth.account !== request.params[param])) {
      throw new SsoClientError(
        'wrong_account',
        `The token was not issued for account "${request.params[param]}"`,
      );
    }
    return true;
  }

  /** Turns passport's outcome into `SsoClientError`s (never a bare 401 or a 500). */
  override handleRequest<TUser = SsoAuth>(
    error: unknown,
    user: TUser | false,
    info: unknown,
  ): TUser {
    const failure = error ?? info;
    if (failure instanceof SsoClientError) throw failure;
    if (failure instanceof Error) {
      if (failure.name === 'TokenExpiredError')
        throw new SsoClientError('token_expired', 'The token has expired');
      if (failure.message === 'No auth token') {
        throw new SsoClientError(
          'not_authenticated',
          'Send the token as "Authorization: JWT <token>" or "Authorization: Bearer <token>"',
        );
      }
      if (failure.name === 'JsonWebTokenError' || failure.name === 'NotBeforeError') {
        throw new SsoClientError('invalid_token', publicMessage(failure.message));
      }
      if (error) throw failure;
    }
    if (!user)
      throw new SsoClientError('not_authenticated', 'Authentication credentials were not provided');
    return user;
  }
}

/** jsonwebtoken's messages, made stable and free of internals. */
function publicMessage(message: string): string {
  if (message.startsWith('jwt audience invalid')) return 'The token is not meant for this service';
  if (message.startsWith('jwt issuer invalid')) return 'The token issuer is not accepted';
  if (message === 'invalid algorithm') return 'The token algorithm is not accepted';
  if (message === 'invalid signature') return 'The token signature is invalid';
  return 'The token is invalid';
}
