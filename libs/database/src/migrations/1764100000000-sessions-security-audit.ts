import { MigrationInterface, QueryRunner } from 'typeorm';

/** Why sessions end, login throttling per login name, and the audit trail of auth events. */
export class SessionsSecurityAudit1764100000000 implements MigrationInterface {
  name = 'SessionsSecurityAudit1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sessions ADD COLUMN revoked_reason varchar(40)`);
    await queryRunner.query(`
      CREATE TABLE login_throttles (
        -- SHA-256 of the normalised login name: the table never holds what was typed.
        login_hash      char(64) PRIMARY KEY,
        failures        integer NOT NULL,
        last_failure_at timestamptz NOT NULL,
        locked_until    timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE auth_events (
        id         bigserial PRIMARY KEY,
        at         timestamptz NOT NULL DEFAULT now(),
        type       varchar(40) NOT NULL,
        user_id    uuid,
        session_id uuid,
        ip_address varchar(45),
        reason     varchar(100) NOT NULL DEFAULT ''
      )`);
    await queryRunner.query(`CREATE INDEX auth_events_at_idx ON auth_events (at)`);
    await queryRunner.query(`CREATE INDEX auth_events_user_id_at_idx ON auth_events (user_id, at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE auth_events`);
    await queryRunner.query(`DROP TABLE login_throttles`);
    await queryRunner.query(`ALTER TABLE sessions DROP COLUMN revoked_reason`);
  }
}
