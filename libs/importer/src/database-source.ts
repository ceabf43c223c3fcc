import { Client } from 'pg';
import type { DjangoRecord } from './django-records';

/** Rows per query when reading users and sessions: bounded memory whatever the table size. */
const PAGE = 5000;

/**
 * The same records as `dumpdata … --natural-foreign` would export, read straight from the Django
 * database (PostgreSQL) at `url`: permissions, groups, users (with their groups and permissions)
 * and DRF-SSO's session tokens, users and sessions in pages by primary key. Read-only: it runs in
 * one REPEATABLE READ READ ONLY transaction, so the export is one consistent snapshot.
 */
export async function* readDjangoDatabase(url: string): AsyncGenerator<DjangoRecord> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const permissions = await client.query<{ codename: string; app_label: string; model: string }>(
      `SELECT p.codename, ct.app_label, ct.model
         FROM auth_permission p JOIN django_content_type ct ON ct.id = p.content_type_id
        ORDER BY p.id`,
    );
    for (const p of permissions.rows) {
      yield {
        model: 'auth.permission',
        fields: { codename: p.codename, content_type: [p.app_label, p.model] },
      };
    }
    const groups = await client.query<{ name: string; permissions: string[][] | null }>(
      `SELECT g.name,
              (SELECT array_agg(ARRAY[p.codename, ct.app_label, ct.model])
                 FROM auth_group_permissions gp
                 JOIN auth_permission p ON p.id = gp.permission_id
                 JOIN django_content_type ct ON ct.id = p.content_type_id
                WHERE gp.group_id = g.id) AS permissions
         FROM auth_group g ORDER BY g.id`,
    );
    for (const g of groups.rows) {
      yield { model: 'auth.group', fields: { name: g.name, permissions: g.permissions ?? [] } };
    }
    for (let after = -1; ;) {
      const users = await client.query<UserRow>(USERS_SQL, [after, PAGE]);
      for (const u of users.rows) {
        yield {
          model: 'auth.user',
          pk: u.id,
          fields: {
            username: u.username,
            email: u.email,
            password: u.password,
            is_active: u.is_active,
            is_superuser: u.is_superuser,
            date_joined: u.date_joined.toISOString(),
            last_login: u.last_login?.toISOString() ?? null,
            groups: (u.groups ?? []).map((name) => [name]),
            user_permissions: u.permissions ?? [],
          },
        };
      }
      if (users.rows.length < PAGE) break;
      after = users.rows[users.rows.length - 1].id;
    }
    for (let after = '00000000-0000-0000-0000-000000000000'; ;) {
      const sessions = await client.query<SessionRow>(SESSIONS_SQL, [after, PAGE]);
      for (const s of sessions.rows) {
        yield {
          model: 'rest_framework_sso.sessiontoken',
          pk: s.id,
          fields: {
            user: s.user_id,
            client_id: s.client_id,
            ip_address: s.ip_address,
            user_agent: s.user_agent,
            created_at: s.created_at.toISOString(),
            last_used_at: s.last_used_at?.toISOString() ?? null,
            revoked_at: s.revoked_at?.toISOString() ?? null,
          },
        };
      }
      if (sessions.rows.length < PAGE) break;
      after = sessions.rows[sessions.rows.length - 1].id;
    }
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

interface UserRow {
  id: number;
  username: string;
  email: string;
  password: string;
  is_active: boolean;
  is_superuser: boolean;
  date_joined: Date;
  last_login: Date | null;
  groups: string[] | null;
  permissions: string[][] | null;
}

interface SessionRow {
  id: string;
  user_id: number;
  client_id: string;
  ip_address: string | null;
  user_agent: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const USERS_SQL = `
  SELECT u.id, u.username, u.email, u.password, u.is_active, u.is_superuser, u.date_joined,
         u.last_login,
         (SELECT array_agg(g.name) FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id
           WHERE ug.user_id = u.id) AS groups,
         (SELECT array_agg(ARRAY[p.codename, ct.app_label, ct.model])
            FROM auth_user_user_permissions up
            JOIN auth_permission p ON p.id = up.permission_id
            JOIN django_content_type ct ON ct.id = p.content_type_id
           WHERE up.user_id = u.id) AS permissions
    FROM auth_user u WHERE u.id > $1 ORDER BY u.id LIMIT $2`;

const SESSIONS_SQL = `
  SELECT id, user_id, client_id, host(ip_address) AS ip_address, user_agent, created_at,
         last_used_at, revoked_at
    FROM rest_framework_sso_sessiontoken WHERE id > $1 ORDER BY id LIMIT $2`;
