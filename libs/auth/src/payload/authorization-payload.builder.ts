import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Membership } from '@nest-sso/accounts';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { AUTHORIZATION_TOKEN, AuthorizationClaims, SessionClaims } from '@nest-sso/tokens';
import { tokenUid, type User } from '@nest-sso/users';

export interface AuthorizationPayloadContext {
  user: User;
  /** Claims of the session token the authorization token is issued for. */
  session: SessionClaims;
  /** The membership selected by the request's `account`, if any. */
  membership: Membership | null;
  /** Issue time, in whole seconds since the epoch. */
  issuedAt: number;
}

/**
 * Builds the claims of an authorization token (DRF-SSO's CREATE_AUTHORIZATION_PAYLOAD): the
 * membership's permissions when an account is selected, the user's global permissions otherwise.
 * Replace or extend it through `AuthModule.forRoot({ authorizationPayloadBuilder })`.
 */
@Injectable()
export class AuthorizationPayloadBuilder {
  constructor(@Inject(SSO_CONFIG) protected readonly config: SsoConfig) {}

  build({
    user,
    session,
    membership,
    issuedAt,
  }: AuthorizationPayloadContext): AuthorizationClaims | Promise<AuthorizationClaims> {
    const claims: AuthorizationClaims = {
      token: AUTHORIZATION_TOKEN,
      sid: session.sid,
      cid: session.cid,
      uid: tokenUid(user),
      email: user.email,
      scopes: membership ? membership.permissions : user.permissions,
      iss: this.config.identity,
      aud: this.config.authorizationAudience,
      iat: issuedAt,
      exp: issuedAt + this.config.authorizationExpiration,
      sub: user.id,
      jti: randomUUID(),
    };
    if (membership) claims.account = membership.accountId;
    return claims;
  }
}
