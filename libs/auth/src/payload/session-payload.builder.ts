import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import type { Session } from '@nest-sso/sessions';
import { SESSION_TOKEN, SessionClaims } from '@nest-sso/tokens';
import { tokenUid, type User } from '@nest-sso/users';

export interface SessionPayloadContext {
  user: User;
  session: Session;
  /** Issue time, in whole seconds since the epoch. */
  issuedAt: number;
}

/**
 * Builds the claims of a session token (DRF-SSO's CREATE_SESSION_PAYLOAD). Replace or extend it
 * through `AuthModule.forRoot({ sessionPayloadBuilder })` to add custom claims.
 */
@Injectable()
export class SessionPayloadBuilder {
  constructor(@Inject(SSO_CONFIG) protected readonly config: SsoConfig) {}

  build({
    user,
    session,
    issuedAt,
  }: SessionPayloadContext): SessionClaims | Promise<SessionClaims> {
    const claims: SessionClaims = {
      token: SESSION_TOKEN,
      sid: session.id,
      cid: session.clientId,
      uid: tokenUid(user),
      email: user.email,
      iss: this.config.identity,
      aud: this.config.sessionAudience,
      iat: issuedAt,
      sub: user.id,
      jti: randomUUID(),
    };
    if (this.config.sessionExpiration !== null)
      claims.exp = issuedAt + this.config.sessionExpiration;
    return claims;
  }
}
