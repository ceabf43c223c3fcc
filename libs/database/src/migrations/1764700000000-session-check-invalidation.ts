import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every server caches session checks for a few seconds (`SSO_SESSION_CACHE_TTL`). These triggers
 * tell all of them, through `NOTIFY nest_sso_session_check`, the moment a cached check may have
 * become wrong, whichever door the write came through (server, CLI, importer, hand-written SQL):
 * a session ended (`s:<session id>`), a user changed or was deleted (`u:<user id>`: deactivation,
 * permissions, names), a user's memberships changed (`u:<user id>`), an account changed (`*`).
 * PostgreSQL delivers a notification when its transaction commits, and never for one that rolls
 * back. `last_used_at` writes (every minute per busy session) notify nothing.
 */
export class SessionCheckInvalidation1764700000000 implements MigrationInterface {
  name = 'SessionCheckInvalidation1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION nest_sso_notify_session_check() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'sessions' THEN
          PERFORM pg_notify('nest_sso_session_check', 's:' || NEW.id);
        ELSIF TG_TABLE_NAME = 'users' THEN
          PERFORM pg_notify('nest_sso_session_check', 'u:' || OLD.id);
        ELSIF TG_TABLE_NAME = 'memberships' THEN
          PERFORM pg_notify('nest_sso_session_check',
                            'u:' || CASE WHEN TG_OP = 'INSERT' THEN NEW.user_id ELSE OLD.user_id END);
          IF TG_OP = 'UPDATE' AND NEW.user_id <> OLD.user_id THEN
            PERFORM pg_notify('nest_sso_session_check', 'u:' || NEW.user_id);
          END IF;
        ELSE
          PERFORM pg_notify('nest_sso_session_check', '*');
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER sessions_notify_session_check
        AFTER UPDATE OF revoked_at ON sessions FOR EACH ROW
        WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at)
        EXECUTE FUNCTION nest_sso_notify_session_check()`);
    await queryRunner.query(`
      CREATE TRIGGER users_notify_session_check
        AFTER UPDATE OR DELETE ON users FOR EACH ROW
        EXECUTE FUNCTION nest_sso_notify_session_check()`);
    await queryRunner.query(`
      CREATE TRIGGER memberships_notify_session_check
        AFTER INSERT OR UPDATE OR DELETE ON memberships FOR EACH ROW
        EXECUTE FUNCTION nest_sso_notify_session_check()`);
    await queryRunner.query(`
      CREATE TRIGGER accounts_notify_session_check
        AFTER UPDATE OR DELETE ON accounts FOR EACH STATEMENT
        EXECUTE FUNCTION nest_sso_notify_session_check()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['sessions', 'users', 'memberships', 'accounts']) {
      await queryRunner.query(`DROP TRIGGER ${table}_notify_session_check ON ${table}`);
    }
    await queryRunner.query('DROP FUNCTION nest_sso_notify_session_check()');
  }
}
