import { Inject, Injectable } from '@nestjs/common';
import { AccountsService, Membership } from '@nest-sso/accounts';
import { SsoError } from '@nest-sso/common';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { SessionsService } from '@nest-sso/sessions';
import { TokensService } from '@nest-sso/tokens';
import type { SessionAuth } from '../guards/session-auth.guard';
import { AuthorizationPayloadBuilder } from '../payload/authorization-payload.builder';

/** Exchanges an authenticated session for a short-lived authorization token. */
@Injectable()
export class AuthorizeUseCase {
  constructor(
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
    private readonly accounts: AccountsService,
    private readonly sessions: SessionsService,
    private readonly tokens: TokensService,
    private readonly payload: AuthorizationPayloadBuilder,
  ) {}

  async execute(auth: SessionAuth, accountRef: string | undefined): Promise<string> {
    let membership: Membership | null = null;
    if (accountRef !== undefined) {
      membership = await this.accounts.findMembership(auth.user.id, accountRef);
      // One answer for "no such account" and "not a member", so account names do not leak.
      if (!membership)
        throw new SsoError('not_a_member', `You are not a member of account "${accountRef}"`);
    }
    if (auth.session) await this.sessions.touch(auth.session, this.config.sessionTouchInterval);
    const claims = await this.payload.build({
      user: auth.user,
      session: auth.claims,
      membership,
      issuedAt: Math.floor(Date.now() / 1000),
    });
    return this.tokens.sign(claims);
  }
}
