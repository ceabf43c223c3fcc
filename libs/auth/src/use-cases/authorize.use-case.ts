import { Injectable } from '@nestjs/common';
import { Account, AccountsService, Membership } from '@nest-sso/accounts';
import { Actors, AuditService } from '@nest-sso/audit';
import { SsoError } from '@nest-sso/common';
import type { SessionMembership } from '@nest-sso/sessions';
import { TokensService } from '@nest-sso/tokens';
import type { SessionAuth } from '../guards/session-auth.guard';
import { AuthorizationPayloadBuilder } from '../payload/authorization-payload.builder';

/** Exchanges an authenticated session for a short-lived authorization token. */
@Injectable()
export class AuthorizeUseCase {
  constructor(
    private readonly accounts: AccountsService,
    private readonly tokens: TokensService,
    private readonly audit: AuditService,
    private readonly payload: AuthorizationPayloadBuilder,
  ) {}

  async execute(
    auth: SessionAuth,
    accountRef: string | undefined,
    ipAddress: string | undefined,
  ): Promise<string> {
    let membership: Membership | null = null;
    if (accountRef !== undefined) {
      // The session check read the memberships with the session (and may have cached them).
      membership = auth.memberships
        ? pick(auth.user.id, auth.memberships, accountRef)
        : await this.accounts.findMembership(auth.user.id, accountRef);
      // One answer for "no such account" and "not a member", so account names do not leak.
      if (!membership) {
        await this.audit.record({
          type: 'authorize_denied',
          actor: Actors.user(auth.user.id, ipAddress),
          sessionId: auth.claims.sid,
          reason: 'not_a_member',
        });
        throw new SsoError('not_a_member', `You are not a member of account "${accountRef}"`);
      }
    }
    const claims = await this.payload.build({
      user: auth.user,
      session: auth.claims,
      membership,
      issuedAt: Math.floor(Date.now() / 1000),
    });
    return this.tokens.sign(claims);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The membership `accountRef` names, as `AccountsService.findMembership` picks it: by account id
 * (a UUID) first, else by account name.
 */
function pick(
  userId: string,
  memberships: readonly SessionMembership[],
  accountRef: string,
): Membership | null {
  const id = UUID.test(accountRef) ? accountRef.toLowerCase() : null;
  const found =
    (id !== null ? memberships.find((m) => m.accountId === id) : undefined) ??
    memberships.find((m) => m.accountName === accountRef);
  if (!found) return null;
  return Object.assign(new Membership(), {
    id: found.id,
    userId,
    accountId: found.accountId,
    permissions: found.permissions,
    createdAt: found.createdAt,
    account: Object.assign(new Account(), {
      id: found.accountId,
      name: found.accountName,
      createdAt: found.accountCreatedAt,
    }),
  });
}
