import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Actors, AuditService } from '@nest-sso/audit';
import { SsoError } from '@nest-sso/common';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { ADMIN_TOKEN, AdminClaims, adminAudience, TokensService } from '@nest-sso/tokens';
import type { User } from '@nest-sso/users';
import { ADMIN_SCOPE, isAdmin } from '../admin.guard';

/** What the admin API's credential is issued for: a user acting through one of their sessions. */
export interface AdminTokenRequest {
  user: User;
  sessionId: string;
  clientId: string;
  ipAddress: string | undefined;
}

/**
 * Issues an admin token to a user who holds `sso:admin` now, for the session they ask with: only
 * on request (nothing else ever carries admin power), short-lived (`SSO_ADMIN_TOKEN_EXPIRATION`),
 * for the admin API's own audience, and tied to that session, so that ending the session ends the
 * token. Each issue is an `admin_action` event (`admin_token_issued`).
 */
@Injectable()
export class IssueAdminTokenUseCase {
  constructor(
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
    private readonly tokens: TokensService,
    private readonly audit: AuditService,
  ) {}

  async execute(input: AdminTokenRequest): Promise<{ token: string; expiresIn: number }> {
    const { user } = input;
    if (!isAdmin(user)) {
      throw new SsoError(
        'forbidden',
        `Admin tokens are for users with the ${ADMIN_SCOPE} permission`,
      );
    }
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresIn = this.config.adminTokenExpiration;
    const claims: AdminClaims = {
      token: ADMIN_TOKEN,
      sid: input.sessionId,
      cid: input.clientId,
      uid: user.id,
      email: user.email,
      iss: this.config.identity,
      aud: [adminAudience(this.config.identity)],
      iat: issuedAt,
      exp: issuedAt + expiresIn,
      sub: user.id,
      jti: randomUUID(),
    };
    const token = await this.tokens.sign(claims);
    await this.audit.record({
      type: 'admin_action',
      actor: Actors.admin(user.id, input.sessionId, input.ipAddress),
      reason: 'admin_token_issued',
    });
    return { token, expiresIn };
  }
}
