import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Session } from '@nest-sso/sessions';

/**
 * One stored oidc-provider model (grant, authorization code, refresh token, session,
 * interaction, …). Read and written by the adapter in plain SQL (`oidc-adapter.ts`); the entity
 * declares the table so that the schema stays reviewed against the migration.
 */
@Entity({ name: 'oidc_payloads' })
// A user's grants for a client, found by their payload (revoking a consent): an expression index
// that TypeORM cannot declare, made by migration 1765300000000 and left alone here.
@Index('oidc_payloads_grant_account_client_idx', { synchronize: false })
export class OidcPayload {
  @PrimaryColumn({ type: 'varchar', length: 40, primaryKeyConstraintName: 'oidc_payloads_pkey' })
  model: string;

  @PrimaryColumn({ type: 'varchar', length: 255, primaryKeyConstraintName: 'oidc_payloads_pkey' })
  id: string;

  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  @Index('oidc_payloads_grant_id_idx')
  @Column({ name: 'grant_id', type: 'varchar', length: 255, nullable: true })
  grantId: string | null;

  @Index('oidc_payloads_uid_idx')
  @Column({ type: 'varchar', length: 255, nullable: true })
  uid: string | null;

  @Column({ name: 'user_code', type: 'varchar', length: 255, nullable: true })
  userCode: string | null;

  /** The nest-sso session this payload lives and dies with (inherited from its grant). */
  @Index('oidc_payloads_sso_session_id_idx')
  @Column({ name: 'sso_session_id', type: 'uuid', nullable: true })
  ssoSessionId: string | null;

  @ManyToOne(() => Session, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'sso_session_id',
    foreignKeyConstraintName: 'oidc_payloads_sso_session_id_fkey',
  })
  ssoSession?: Session;

  @Index('oidc_payloads_expires_at_idx')
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;
}
