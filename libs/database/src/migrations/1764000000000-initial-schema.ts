import { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, accounts, memberships and sessions. */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE users (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email         varchar(254) NOT NULL,
        username      varchar(150),
        password_hash varchar(255) NOT NULL,
        is_active     boolean NOT NULL DEFAULT true,
        permissions   text[] NOT NULL DEFAULT '{}',
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_email_key UNIQUE (email),
        CONSTRAINT users_username_key UNIQUE (username),
        -- Stored normalised, so the unique constraints are case-insensitive.
        CONSTRAINT users_email_lower CHECK (email = lower(email)),
        CONSTRAINT users_username_lower CHECK (username = lower(username))
      )`);
    await queryRunner.query(`
      CREATE TABLE accounts (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name       varchar(100) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT accounts_name_key UNIQUE (name)
      )`);
    await queryRunner.query(`
      CREATE TABLE memberships (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        permissions text[] NOT NULL DEFAULT '{}',
        created_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT memberships_user_account_key UNIQUE (user_id, account_id)
      )`);
    await queryRunner.query(`CREATE INDEX memberships_account_id_idx ON memberships (account_id)`);
    await queryRunner.query(`
      CREATE TABLE sessions (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        client_id    varchar(100) NOT NULL DEFAULT '',
        ip_address   varchar(45),
        user_agent   varchar(255) NOT NULL DEFAULT '',
        created_at   timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at   timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX sessions_user_id_idx ON sessions (user_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE sessions`);
    await queryRunner.query(`DROP TABLE memberships`);
    await queryRunner.query(`DROP TABLE accounts`);
    await queryRunner.query(`DROP TABLE users`);
  }
}
