import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `oidc_consents`: what each user allowed each third-party client (the OpenID Connect scopes), so
 * that the consent page is shown once per user × client rather than once per nest-sso session.
 * Deleting the user or the client deletes it. The expression index finds a user's grants for a
 * client in `oidc_payloads` (their ids live in the JSON payload), which revoking a consent ends.
 */
export class OidcConsents1765300000000 implements MigrationInterface {
  name = 'OidcConsents1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE oidc_consents (
        user_id    uuid NOT NULL,
        client_id  varchar(100) NOT NULL,
        scopes     text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT oidc_consents_pkey PRIMARY KEY (user_id, client_id),
        CONSTRAINT oidc_consents_user_id_fkey FOREIGN KEY (user_id)
          REFERENCES users (id) ON DELETE CASCADE,
        CONSTRAINT oidc_consents_client_id_fkey FOREIGN KEY (client_id)
          REFERENCES oidc_clients (id) ON DELETE CASCADE
      )`);
    // Deleting a client cascades here: without an index of its own that would scan the table.
    await queryRunner.query(
      `CREATE INDEX oidc_consents_client_id_idx ON oidc_consents (client_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX oidc_payloads_grant_account_client_idx
         ON oidc_payloads ((payload->>'accountId'), (payload->>'clientId')) WHERE model = 'Grant'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX oidc_payloads_grant_account_client_idx`);
    await queryRunner.query(`DROP TABLE oidc_consents`);
  }
}
