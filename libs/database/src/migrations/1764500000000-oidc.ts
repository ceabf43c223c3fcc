import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OpenID Connect provider storage: `oidc_clients` (the registered applications, their secret as
 * a SHA-256 hash) and `oidc_payloads` (oidc-provider's grants, codes, refresh tokens, sessions and
 * interactions, each with its expiry). A payload bound to a nest-sso session names it in
 * `sso_session_id`, so that ending the session ends the payload (read as absent).
 */
export class Oidc1764500000000 implements MigrationInterface {
  name = 'Oidc1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE oidc_clients (
        id                        varchar(100) NOT NULL,
        name                      varchar(100) NOT NULL,
        type                      varchar(20) NOT NULL,
        first_party               boolean NOT NULL DEFAULT false,
        secret_hash               varchar(64),
        redirect_uris             jsonb NOT NULL DEFAULT '[]',
        post_logout_redirect_uris jsonb NOT NULL DEFAULT '[]',
        backchannel_logout_uri    varchar(2000),
        permissions               jsonb NOT NULL DEFAULT '[]',
        created_at                timestamptz NOT NULL DEFAULT now(),
        updated_at                timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT oidc_clients_pkey PRIMARY KEY (id),
        CONSTRAINT oidc_clients_type_check CHECK (type IN ('public', 'confidential'))
      )`);
    await queryRunner.query(`
      CREATE TABLE oidc_payloads (
        model          varchar(40) NOT NULL,
        id             varchar(255) NOT NULL,
        payload        jsonb NOT NULL,
        grant_id       varchar(255),
        uid            varchar(255),
        user_code      varchar(255),
        sso_session_id uuid,
        expires_at     timestamptz,
        consumed_at    timestamptz,
        CONSTRAINT oidc_payloads_pkey PRIMARY KEY (model, id),
        CONSTRAINT oidc_payloads_sso_session_id_fkey FOREIGN KEY (sso_session_id)
          REFERENCES sessions (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX oidc_payloads_grant_id_idx ON oidc_payloads (grant_id)`);
    await queryRunner.query(`CREATE INDEX oidc_payloads_uid_idx ON oidc_payloads (uid)`);
    await queryRunner.query(
      `CREATE INDEX oidc_payloads_expires_at_idx ON oidc_payloads (expires_at)`,
    );
    await queryRunner.query(
      `CREATE INDEX oidc_payloads_sso_session_id_idx ON oidc_payloads (sso_session_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE oidc_payloads`);
    await queryRunner.query(`DROP TABLE oidc_clients`);
  }
}
