import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `auth_events.client_id`: the OAuth client (or DRF-SSO `client_id`) an event came through — the
 * hosted sign-in's client for its logins and failures, the client of a consent. Empty rows (older
 * events, events of no client) stay NULL.
 */
export class AuditClient1765400000000 implements MigrationInterface {
  name = 'AuditClient1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE auth_events ADD COLUMN client_id varchar(1000)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE auth_events DROP COLUMN client_id`);
  }
}
