import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SSO_ACCOUNT_PARAM } from './decorators/require-account.decorator';
import { SSO_PUBLIC } from './decorators/public.decorator';
import { SSO_REQUIRED_SCOPES } from './decorators/require-scopes.decorator';
import type { SsoAuth } from './sso-auth';
import { SsoClientError } from './sso-client.errors';
import { SSO_CLIENT_OPTIONS, SsoClientOptions } from './sso-client.options';
import { SsoTokenVerifier, tokenFromRequest } from './sso-token-verifier';
import { canonicalUuid } from './token-rules';

/** The parts of an HTTP request the guard reads and writes (Express's, without its types). */
interface GuardedRequest {
  headers: { authorization?: string | string[] };
  params?: Record<string, string | undefined>;
  user?: SsoAuth;
}
interface GuardedResponse {
  setHeader(name: string, value: string): unknown;
}

/**
 * Authenticates with the token in `Authorization` (`SsoTokenVerifier`), puts the verified
 * identity on `request.user` for `@CurrentAuth()`, then enforces `@RequireAccount()` and
 * `@RequireScopes()`, in that order. 401 answers carry `WWW-Authenticate`, 503 answers
 * `Retry-After`; every failure has the identity server's JSON error shape.
 */
@Injectable()
export class SsoAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(SSO_CLIENT_OPTIONS) private readonly options: SsoClientOptions,
    private readonly verifier: SsoTokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(SSO_PUBLIC, targets)) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<GuardedRequest>();
    let auth: SsoAuth;
    try {
      const token = tokenFromRequest(request);
      if (token === null) {
        throw new SsoClientError(
          'not_authenticated',
          'Send the token as "Authorization: JWT <token>" or "Authorization: Bearer <token>"',
        );
      }
      auth = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof SsoClientError)
        this.describe(error, http.getResponse<GuardedResponse>());
      throw error;
    }
    request.user = auth;

    // The account first: a token for another account (or for none) is the wrong credential
    // altogether, whatever scopes it carries.
    const param = this.reflector.getAllAndOverride<string | undefined>(SSO_ACCOUNT_PARAM, targets);
    if (param !== undefined) {
      const wanted = request.params?.[param];
      if (auth.account === null || auth.account !== canonicalUuid(wanted)) {
        throw new SsoClientError(
          'wrong_account',
          auth.account === null
            ? 'The token was issued for no account; ask for one issued for this account'
            : `The token was not issued for account "${wanted ?? ''}"`,
        );
      }
    }
    const scopes =
      this.reflector.getAllAndOverride<string[] | undefined>(SSO_REQUIRED_SCOPES, targets) ?? [];
    const missing = scopes.filter((scope) => !auth.scopes.includes(scope));
    if (missing.length > 0) {
      throw new SsoClientError(
        'insufficient_scope',
        `This action needs the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
      );
    }
    return true;
  }

  /** The headers that go with a refusal: how to authenticate (401), when to retry (503). */
  private describe(error: SsoClientError, response: GuardedResponse): void {
    if (error.getStatus() === 401) {
      const scheme = this.options.authenticateHeader ?? 'JWT';
      response.setHeader('WWW-Authenticate', `${scheme} realm="api"`);
    } else if (error.retryAfter !== undefined) {
      response.setHeader('Retry-After', String(error.retryAfter));
    }
  }
}
