import { Check, Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Longest client id and name accepted. */
export const CLIENT_NAME_MAX_LENGTH = 100;

/** `public`: no secret (a browser or native app, PKCE S256 required); `confidential`: a secret. */
export type OidcClientType = 'public' | 'confidential';

/**
 * A registered OAuth 2.0 / OpenID Connect client (an application). Its secret is stored as a
 * SHA-256 hash only: the secret is 256 random bits, so a fast hash is enough and a slow one would
 * only cost every token request.
 */
@Entity({ name: 'oidc_clients' })
@Check('oidc_clients_type_check', `type IN ('public', 'confidential')`)
export class OidcClient {
  @PrimaryColumn({ type: 'varchar', length: CLIENT_NAME_MAX_LENGTH })
  id: string;

  @Column({ type: 'varchar', length: CLIENT_NAME_MAX_LENGTH })
  name: string;

  @Column({ type: 'varchar', length: 20 })
  type: OidcClientType;

  /** First-party applications skip the consent page. */
  @Column({ name: 'first_party', type: 'boolean', default: false })
  firstParty: boolean;

  /** Hex SHA-256 of the secret; `null` for a public client. */
  @Column({ name: 'secret_hash', type: 'varchar', length: 64, nullable: true })
  secretHash: string | null;

  /** Compared exactly (no normalisation, no prefix match). */
  @Column({ name: 'redirect_uris', type: 'jsonb', default: () => "'[]'" })
  redirectUris: string[];

  @Column({ name: 'post_logout_redirect_uris', type: 'jsonb', default: () => "'[]'" })
  postLogoutRedirectUris: string[];

  @Column({ name: 'backchannel_logout_uri', type: 'varchar', length: 2000, nullable: true })
  backchannelLogoutUri: string | null;

  /** The permissions a `client_credentials` token of this client carries (its `scopes`). */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  permissions: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
