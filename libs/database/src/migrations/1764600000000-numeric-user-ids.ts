import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Numeric user ids, for deployments that come from djangorestframework-sso (issue 17). Downstream
 * services key their users on the tokens' `uid`, which DRF-SSO filled with Django's integer
 * primary key; `users.numeric_id` keeps that integer, and tokens carry it as `uid`.
 *
 * Once any user has one (after `import:drf-sso`), every new user gets one too, from
 * `users_numeric_id_seq`, which the importer keeps past the highest imported id: downstream
 * services that store `uid` in an integer column (Django's default) keep working for new users.
 * Before any import, no user gets one and tokens keep UUID `uid`s, so nothing changes for
 * deployments that never import. The trigger applies the rule to every door (services, CLI,
 * importer, SQL).
 */
export class NumericUserIds1764600000000 implements MigrationInterface {
  name = 'NumericUserIds1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users ADD COLUMN numeric_id bigint`);
    await queryRunner.query(
      `ALTER TABLE users ADD CONSTRAINT users_numeric_id_key UNIQUE (numeric_id)`,
    );
    await queryRunner.query(
      `ALTER TABLE users ADD CONSTRAINT users_numeric_id_positive CHECK (numeric_id > 0)`,
    );
    // Django's last_login, and when the importer wrote the user (an imported user is updated by a
    // re-run; a user created here never is, even if Django later hands out the same integer).
    await queryRunner.query(
      `ALTER TABLE users ADD COLUMN last_login_at timestamptz, ADD COLUMN imported_at timestamptz`,
    );
    await queryRunner.query(
      `CREATE SEQUENCE users_numeric_id_seq AS bigint OWNED BY users.numeric_id`,
    );
    await queryRunner.query(`
      CREATE FUNCTION users_assign_numeric_id() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.numeric_id IS NULL AND EXISTS (SELECT 1 FROM users WHERE numeric_id IS NOT NULL) THEN
          NEW.numeric_id := nextval('users_numeric_id_seq');
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER users_assign_numeric_id BEFORE INSERT ON users
      FOR EACH ROW EXECUTE FUNCTION users_assign_numeric_id()`);
    // Sessions imported from DRF-SSO keep what their client ids were (up to 1000 characters
    // there); logins still refuse client ids longer than CLIENT_ID_MAX_LENGTH.
    await queryRunner.query(`ALTER TABLE sessions ALTER COLUMN client_id TYPE varchar(1000)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER users_assign_numeric_id ON users`);
    await queryRunner.query(`DROP FUNCTION users_assign_numeric_id()`);
    await queryRunner.query(
      `ALTER TABLE users DROP COLUMN numeric_id, DROP COLUMN last_login_at, DROP COLUMN imported_at`,
    );
    await queryRunner.query(`ALTER TABLE sessions ALTER COLUMN client_id TYPE varchar(100)`);
  }
}
