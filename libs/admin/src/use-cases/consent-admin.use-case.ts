import { Injectable } from '@nestjs/common';
import type { Actor } from '@nest-sso/audit';
import { ConsentsService, ConsentView } from '@nest-sso/oidc';
import { UserAdminUseCase } from './user-admin.use-case';

/**
 * What operators do to users' consents to third-party clients, whichever door they use (admin
 * API or CLI): the same `ConsentsService` as the user's own `/consents`, so a revocation ends the
 * client's grants and is audited (`consent_revoked`) the same way.
 */
@Injectable()
export class ConsentAdminUseCase {
  constructor(
    private readonly consents: ConsentsService,
    private readonly users: UserAdminUseCase,
  ) {}

  /** The user's consents, by client name; `not_found` if there is no such user. */
  async list(userId: string): Promise<ConsentView[]> {
    await this.users.get(userId);
    return this.consents.list(userId);
  }

  /**
   * Revokes the user's consent to a client and ends their grants for it. `not_found` if there is
   * no such user or consent; `validation_failed` if `clientId` is not a client id.
   */
  async revoke(actor: Actor, userId: string, clientId: string): Promise<void> {
    await this.users.get(userId);
    await this.consents.revoke(actor, userId, clientId);
  }
}
