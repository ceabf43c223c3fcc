import { MigrationInterface, QueryRunner } from 'typeorm';

/** Matches the " by <admin uid>" that admin events used to append to their reason. */
const BY_ADMIN = ' by ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$';

/**
 * Who acted and through which door, as columns of their own: the acting user (`actor_id`) and the
 * channel (`via`). Events written before keep their meaning: " by <uid>" moves out of admin
 * reasons into `actor_id`, CLI events (reason "operator", no IP) get `via = 'cli'`, and the
 * user's own actions name the user as the actor.
 */
export class AuditActor1764200000000 implements MigrationInterface {
  name = 'AuditActor1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE auth_events ADD COLUMN actor_id uuid`);
    await queryRunner.query(
      `ALTER TABLE auth_events ADD COLUMN via varchar(16) NOT NULL DEFAULT 'api'`,
    );
    await queryRunner.query(
      `UPDATE auth_events
          SET actor_id = substring(reason from '${BY_ADMIN}')::uuid, via = 'admin_api',
              reason = regexp_replace(reason, '${BY_ADMIN}', '')
        WHERE reason ~ '${BY_ADMIN}'`,
    );
    await queryRunner.query(
      `UPDATE auth_events SET via = 'cli'
        WHERE via = 'api' AND reason = 'operator' AND ip_address IS NULL`,
    );
    await queryRunner.query(
      `UPDATE auth_events SET actor_id = user_id WHERE via = 'api' AND actor_id IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The reason gives way, never the actor: " by <uuid>" is 40 characters of the 100.
    await queryRunner.query(
      `UPDATE auth_events SET reason = left(reason, 60) || ' by ' || actor_id::text
        WHERE via = 'admin_api' AND actor_id IS NOT NULL`,
    );
    await queryRunner.query(`ALTER TABLE auth_events DROP COLUMN via`);
    await queryRunner.query(`ALTER TABLE auth_events DROP COLUMN actor_id`);
  }
}
