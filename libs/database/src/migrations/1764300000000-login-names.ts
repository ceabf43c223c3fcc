import { MigrationInterface, QueryRunner } from 'typeorm';

/** A name that is one user's username and another user's email. */
interface Collision {
  name: string;
  username_of: string;
  email_of: string;
}

/**
 * Usernames and emails become one namespace of login names: `login_names` holds every user's
 * email and username, one row per name, so its primary key refuses a username that is another
 * user's email and the reverse, even for writes that race on two replicas (the second insert
 * waits for the first and fails). A trigger on `users` keeps it in step with every write,
 * whichever door it came through (services, importer, hand-written SQL). A user's username may
 * equal their own email (Django users often have one). A NULL email or username claims nothing.
 *
 * Existing collisions cannot be resolved for the operator: the migration lists them and stops,
 * and applies once they are fixed.
 */
export class LoginNames1764300000000 implements MigrationInterface {
  name = 'LoginNames1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const collisions = (await queryRunner.query(
      `SELECT a.username AS name, a.id AS username_of, b.id AS email_of
         FROM users a JOIN users b ON b.email = a.username AND b.id <> a.id
        ORDER BY a.username`,
    )) as Collision[];
    if (collisions.length > 0) throw new Error(collisionReport(collisions));

    await queryRunner.query(`
      CREATE TABLE login_names (
        name    varchar(254) NOT NULL,
        user_id uuid NOT NULL,
        CONSTRAINT login_names_pkey PRIMARY KEY (name),
        CONSTRAINT login_names_user_id_fkey FOREIGN KEY (user_id)
          REFERENCES users (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX login_names_user_id_idx ON login_names (user_id)`);
    await queryRunner.query(`
      INSERT INTO login_names (name, user_id)
      SELECT email, id FROM users WHERE email IS NOT NULL
      UNION
      SELECT username, id FROM users WHERE username IS NOT NULL`);
    // The conflict is re-raised naming the column, so that the service can say which field.
    await queryRunner.query(`
      CREATE FUNCTION users_claim_login_names() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM login_names WHERE user_id = NEW.id;
        IF NEW.email IS NOT NULL THEN
          BEGIN
            INSERT INTO login_names (name, user_id) VALUES (NEW.email, NEW.id);
          EXCEPTION WHEN unique_violation THEN
            RAISE EXCEPTION 'the login name is taken by another user'
              USING ERRCODE = 'unique_violation', CONSTRAINT = 'login_names_email',
                    COLUMN = 'email', TABLE = 'users';
          END;
        END IF;
        IF NEW.username IS NOT NULL AND NEW.username IS DISTINCT FROM NEW.email THEN
          BEGIN
            INSERT INTO login_names (name, user_id) VALUES (NEW.username, NEW.id);
          EXCEPTION WHEN unique_violation THEN
            RAISE EXCEPTION 'the login name is taken by another user'
              USING ERRCODE = 'unique_violation', CONSTRAINT = 'login_names_username',
                    COLUMN = 'username', TABLE = 'users';
          END;
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER users_claim_login_names
        AFTER INSERT OR UPDATE OF email, username ON users
        FOR EACH ROW EXECUTE FUNCTION users_claim_login_names()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER users_claim_login_names ON users`);
    await queryRunner.query(`DROP FUNCTION users_claim_login_names()`);
    await queryRunner.query(`DROP TABLE login_names`);
  }
}

/** What the operator reads when the migration stops. */
export function collisionReport(collisions: Collision[]): string {
  const lines = collisions.map(
    (c) => `  "${c.name}": the username of user ${c.username_of}, the email of user ${c.email_of}`,
  );
  return [
    `Cannot make usernames and emails one namespace: ${collisions.length} login name(s) belong to two users.`,
    ...lines,
    'Logging in with such a name picks one of the two users. Change one of each pair (for example',
    'PATCH /admin/users/<id> with another username, on a server started with',
    'SSO_MIGRATE_ON_START=false), then apply the migrations again (migrations:run).',
  ].join('\n');
}
