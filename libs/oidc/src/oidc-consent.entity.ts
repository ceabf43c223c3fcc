import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Relation } from 'typeorm';
import { User } from '@nest-sso/users';
import { CLIENT_NAME_MAX_LENGTH, OidcClient } from './oidc-client.entity';

/**
 * A user's consent to a third-party client: the OpenID Connect scopes they allowed it on the
 * consent page, over every sign-in until revoked. First-party clients never have one.
 */
@Entity({ name: 'oidc_consents' })
export class OidcConsent {
  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'oidc_consents_pkey' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'oidc_consents_user_id_fkey' })
  user?: Relation<User>;

  @Index('oidc_consents_client_id_idx')
  @PrimaryColumn({
    name: 'client_id',
    type: 'varchar',
    length: CLIENT_NAME_MAX_LENGTH,
    primaryKeyConstraintName: 'oidc_consents_pkey',
  })
  clientId: string;

  @ManyToOne(() => OidcClient, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id', foreignKeyConstraintName: 'oidc_consents_client_id_fkey' })
  client?: Relation<OidcClient>;

  /** The OpenID Connect scopes allowed (`openid`, `profile`, `email`, `offline_access`). */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  scopes: string[];

  /** When the user first consented. */
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** When the user last consented to more scopes. */
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
