import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { DataSource, Repository } from 'typeorm';
import { Actor, AuditService } from '@nest-sso/audit';
import { SsoError } from '@nest-sso/common';
import { OidcConsent } from './oidc-consent.entity';
import { GRANT_BOUND } from './oidc-adapter';
import { oidcScopesOf } from './oidc-scopes';

/** One consent as its user and operators see it. */
export interface ConsentView {
  clientId: string;
  clientName: string;
  /** The OpenID Connect scopes allowed, sorted. */
  scopes: string[];
  /** When the user first consented. */
  grantedAt: Date;
  /** When the user last consented to more scopes. */
  updatedAt: Date;
}

/**
 * Consents of users to third-party clients (`oidc_consents`), the one place that records,
 * checks and revokes them, whichever door is used (the consent page, `/consents`, the admin API,
 * the CLI). Revoking also ends the user's grants for the client, and with them every refresh
 * token and code issued from them, so the application loses access at once.
 */
@Injectable()
export class ConsentsService {
  constructor(
    @InjectRepository(OidcConsent) private readonly consents: Repository<OidcConsent>,
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /**
   * Whether `userId` has consented to every OpenID Connect scope of `scopes` for `clientId`
   * (other scopes are not the consent's business: the provider drops them).
   */
  async covers(userId: string, clientId: string, scopes: Iterable<string>): Promise<boolean> {
    const consent = await this.consents.findOneBy({ userId, clientId });
    if (!consent) return false;
    const allowed = new Set(consent.scopes);
    return oidcScopesOf(scopes).every((scope) => allowed.has(scope));
  }

  /**
   * Records that `userId` allowed `clientId` the OpenID Connect scopes of `scopes`, added to
   * those allowed before; a `consent_granted` audit event naming the client.
   */
  async grant(
    actor: Actor,
    input: { userId: string; clientId: string; scopes: Iterable<string>; sessionId?: string },
  ): Promise<void> {
    const scopes = oidcScopesOf(input.scopes);
    // One statement: two consent pages approved at once both land, neither loses the other's scopes.
    await this.dataSource.query(
      `INSERT INTO oidc_consents (user_id, client_id, scopes) VALUES ($1, $2, $3::text[])
       ON CONFLICT (user_id, client_id) DO UPDATE
         SET scopes = ARRAY(SELECT DISTINCT s FROM unnest(oidc_consents.scopes || EXCLUDED.scopes) AS s
                             ORDER BY s),
             updated_at = now()`,
      [input.userId, input.clientId, [...scopes].sort()],
    );
    await this.audit.record({
      type: 'consent_granted',
      actor,
      userId: input.userId,
      sessionId: input.sessionId,
      reason: `client:${input.clientId}`,
      clientId: input.clientId,
    });
  }

  /** The consents of `userId`, by client name. */
  async list(userId: string): Promise<ConsentView[]> {
    const consents = await this.consents.find({
      where: { userId },
      relations: { client: true },
      order: { client: { name: 'ASC' }, clientId: 'ASC' },
    });
    return consents.map((consent) => ({
      clientId: consent.clientId,
      clientName: consent.client?.name ?? '',
      scopes: [...consent.scopes].sort(),
      grantedAt: consent.createdAt,
      updatedAt: consent.updatedAt,
    }));
  }

  /**
   * Revokes `userId`'s consent to `clientId` and ends their grants for it (refresh tokens, codes
   * and token records go with them: `invalid_grant` from then on), so the next sign-in asks again;
   * a `consent_revoked` audit event naming the client. `validation_failed` if `clientId` is not a
   * client id (a UUID), `not_found` if there is no such consent.
   */
  async revoke(actor: Actor, userId: string, clientId: string): Promise<void> {
    assertClientId(clientId);
    // One statement, so that a consent is never gone while its grants live on (or the reverse).
    const [result] = await this.dataSource.query<{ consents: number }[]>(
      `WITH consent AS (
         DELETE FROM oidc_consents WHERE user_id = $1 AND client_id = $2 RETURNING client_id
       ), grants AS (
         SELECT id FROM oidc_payloads
          WHERE model = 'Grant' AND payload->>'accountId' = $3 AND payload->>'clientId' = $2
            AND EXISTS (SELECT 1 FROM consent)
       ), ended AS (
         DELETE FROM oidc_payloads
          WHERE (grant_id IN (SELECT id FROM grants) AND model = ANY($4::varchar[]))
             OR (model = 'Grant' AND id IN (SELECT id FROM grants))
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM consent)::int AS consents, (SELECT count(*) FROM ended)::int AS ended`,
      // The grants' tokens and codes, as the adapter's revokeByGrantId deletes them: not an
      // interaction in progress that names one.
      [userId, clientId, userId, [...GRANT_BOUND]],
    );
    if (!result || result.consents === 0) throw new SsoError('not_found', 'No such consent');
    await this.audit.record({
      type: 'consent_revoked',
      actor,
      userId,
      reason: `client:${clientId}`,
      clientId,
    });
  }
}

/** `validation_failed` unless `clientId` has the shape of a client id (a UUID). */
export function assertClientId(clientId: string): void {
  if (!isUUID(clientId)) {
    const message = 'clientId must be a client id (a UUID)';
    throw new SsoError('validation_failed', message, [{ field: 'clientId', message }]);
  }
}
