import type { DataSource } from 'typeorm';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { OidcClient } from './oidc-client.entity';

/** Models whose payload carries a `grantId`: they live and die with their grant. */
export const GRANT_BOUND = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'BackchannelAuthenticationRequest',
  'DeviceCode',
]);

interface PayloadRow {
  payload: AdapterPayload;
  consumed_at: Date | null;
}

/**
 * Builds oidc-provider's storage adapter over our database (`oidc_payloads`, `oidc_clients`).
 * Rules kept here, for every model:
 * - an expired row is absent (`expires_at` in the past), whether or not the cleanup job ran;
 * - a row bound to a nest-sso session (`sso_session_id`, inherited from its grant) is absent
 *   once that session has ended, so that ending a session ends its grants, codes and refresh
 *   tokens, whichever door ended it;
 * - clients are read from `oidc_clients` (the data the CLI and admin API manage), never stored
 *   by the provider.
 */
export function createOidcAdapter(
  dataSource: DataSource,
  /** The error a payload PostgreSQL cannot hold is refused with (oidc-provider's invalid_request). */
  invalidRequest: (description: string) => Error,
): new (model: string) => Adapter {
  return class OidcDatabaseAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const expiresAt = expiresIn ? new Date(Date.now() + expiresIn * 1000) : null;
      const grantId = payload.grantId ?? null;
      const json = JSON.stringify(payload);
      // PostgreSQL text and jsonb cannot hold U+0000; a request parameter carrying one (state,
      // nonce, login_hint…) is refused as a bad request rather than failing the write.
      if (json.includes('\\u0000')) throw invalidRequest('a parameter contains a NUL character');
      // A grant-bound payload is bound to its grant's nest-sso session.
      await dataSource.query(
        `INSERT INTO oidc_payloads (model, id, payload, grant_id, uid, user_code, expires_at, sso_session_id)
         VALUES ($1, $2, $3, $4::varchar, $5, $6, $7,
                 CASE WHEN $8::boolean THEN (SELECT sso_session_id FROM oidc_payloads
                                              WHERE model = 'Grant' AND id = $4::varchar) END)
         ON CONFLICT (model, id) DO UPDATE
           SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id, uid = EXCLUDED.uid,
               user_code = EXCLUDED.user_code, expires_at = EXCLUDED.expires_at`,
        [
          this.model,
          id,
          json,
          grantId,
          payload.uid ?? null,
          payload.userCode ?? null,
          expiresAt,
          GRANT_BOUND.has(this.model) && grantId !== null,
        ],
      );
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      // An identifier with U+0000 (a client id, code or token from a request) names nothing:
      // PostgreSQL text cannot hold one, so it is never sent.
      if (id.includes('\0')) return undefined;
      if (this.model === 'Client') return findClient(dataSource, id);
      return this.findBy('p.id = $2', id);
    }

    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.findBy('p.uid = $2', uid);
    }

    findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.findBy('p.user_code = $2', userCode);
    }

    async consume(id: string): Promise<void> {
      await dataSource.query(
        `UPDATE oidc_payloads SET consumed_at = now() WHERE model = $1 AND id = $2`,
        [this.model, id],
      );
    }

    async destroy(id: string): Promise<void> {
      await dataSource.query(`DELETE FROM oidc_payloads WHERE model = $1 AND id = $2`, [
        this.model,
        id,
      ]);
    }

    /**
     * Deletes the tokens and codes issued from a grant. Only those: an interaction can name the
     * grant too (a consent prompt's), and deleting it would break the sign-in in progress (a
     * user switch revokes the previous user's grants before it resumes).
     */
    async revokeByGrantId(grantId: string): Promise<void> {
      await dataSource.query(
        `DELETE FROM oidc_payloads WHERE grant_id = $1 AND model = ANY($2::varchar[])`,
        [grantId, [...GRANT_BOUND]],
      );
    }

    private async findBy(where: string, value: string): Promise<AdapterPayload | undefined> {
      if (value.includes('\0')) return undefined;
      const rows = await dataSource.query<PayloadRow[]>(
        `SELECT p.payload, p.consumed_at FROM oidc_payloads p
           LEFT JOIN sessions s ON s.id = p.sso_session_id
          WHERE p.model = $1 AND ${where}
            AND (p.expires_at IS NULL OR p.expires_at > now())
            AND (p.sso_session_id IS NULL OR s.revoked_at IS NULL OR s.revoked_at > now())`,
        [this.model, value],
      );
      const row = rows[0];
      if (!row) return undefined;
      return row.consumed_at
        ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) }
        : row.payload;
    }
  };
}

/**
 * Binds grant `grantId`, and every payload already issued from it, to nest-sso session
 * `sessionId`: from now on they end when that session ends.
 */
export async function bindGrantToSession(
  dataSource: DataSource,
  grantId: string,
  sessionId: string,
): Promise<void> {
  await dataSource.query(
    `UPDATE oidc_payloads SET sso_session_id = $2
      WHERE (model = 'Grant' AND id = $1) OR grant_id = $1`,
    [grantId, sessionId],
  );
}

/** Deletes at most `limit` expired payloads; returns how many went. */
export async function deleteExpiredPayloads(
  dataSource: DataSource,
  limit: number,
): Promise<number> {
  const result = await dataSource.query<[unknown[], number]>(
    `DELETE FROM oidc_payloads WHERE ctid IN (
       SELECT ctid FROM oidc_payloads WHERE expires_at <= now() LIMIT $1)`,
    [limit],
  );
  return result[1];
}

/** The client's metadata for oidc-provider, from the clients table. */
async function findClient(dataSource: DataSource, id: string): Promise<AdapterPayload | undefined> {
  const client = await dataSource.getRepository(OidcClient).findOneBy({ id });
  if (!client) return undefined;
  return clientMetadata(client);
}

/** oidc-provider client metadata (RFC 7591 names) for a registered client. */
export function clientMetadata(client: OidcClient): AdapterPayload {
  const confidential = client.type === 'confidential';
  return {
    client_id: client.id,
    client_name: client.name,
    // The provider compares secrets through `compareClientSecret`, which we point at this hash.
    ...(confidential ? { client_secret: client.secretHash! } : {}),
    token_endpoint_auth_method: confidential ? 'client_secret_basic' : 'none',
    application_type: 'web',
    grant_types: confidential
      ? ['authorization_code', 'refresh_token', 'client_credentials']
      : ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    ...(client.backchannelLogoutUri
      ? {
          backchannel_logout_uri: client.backchannelLogoutUri,
          backchannel_logout_session_required: true,
        }
      : {}),
    scope: 'openid profile email offline_access',
    // The permissions a client_credentials token may carry (extraClientMetadata).
    permissions: client.permissions,
    first_party: client.firstParty,
  };
}
