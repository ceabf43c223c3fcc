/**
 * The importer's statements. Each upsert takes `$1`, a JSON array of rows, and returns one row per
 * row written with `created` (true for an insert); a row that would change nothing is not written
 * and not returned, so a re-run of the same export writes nothing.
 */

/** Users holding any of the login names `$1` or the numeric ids `$2`. */
export const USERS_CONFLICTS_SQL = `
  SELECT numeric_id, email, username, imported_at IS NOT NULL AS imported
    FROM users
   WHERE email = ANY($1::text[]) OR username = ANY($1::text[]) OR numeric_id = ANY($2::bigint[])`;

/**
 * Users by Django id. A re-run updates only users the importer created (`imported_at`), and keeps
 * a password hash made here (argon2, `$…`: rehashed at login or set in nest-sso) rather than
 * putting the Django hash back.
 */
export const USERS_UPSERT_SQL = `
  INSERT INTO users AS u (numeric_id, email, username, password_hash, is_active, permissions,
                          created_at, last_login_at, imported_at)
  SELECT r.numeric_id, r.email, r.username, r.password_hash, r.is_active, r.permissions,
         r.created_at, r.last_login_at, now()
    FROM jsonb_to_recordset($1::jsonb) AS r(numeric_id bigint, email text, username text,
         password_hash text, is_active boolean, permissions text[], created_at timestamptz,
         last_login_at timestamptz)
  ON CONFLICT (numeric_id) DO UPDATE SET
    email = excluded.email,
    username = excluded.username,
    is_active = excluded.is_active,
    permissions = excluded.permissions,
    created_at = excluded.created_at,
    last_login_at = excluded.last_login_at,
    password_hash = CASE WHEN u.password_hash LIKE '$%' THEN u.password_hash
                         ELSE excluded.password_hash END,
    updated_at = now()
  WHERE u.imported_at IS NOT NULL
    AND ((u.email, u.username, u.is_active, u.permissions, u.created_at, u.last_login_at)
           IS DISTINCT FROM (excluded.email, excluded.username, excluded.is_active,
                             excluded.permissions, excluded.created_at, excluded.last_login_at)
         OR (u.password_hash NOT LIKE '$%' AND u.password_hash <> excluded.password_hash))
  RETURNING (xmax = 0) AS created`;

/**
 * Sessions by id (the tokens' \`sid\`), for users already imported. A re-run never undoes a
 * revocation (the earlier revocation time wins) nor moves the last use back.
 */
export const SESSIONS_UPSERT_SQL = `
  INSERT INTO sessions AS s (id, user_id, client_id, ip_address, user_agent, created_at,
                             last_used_at, revoked_at)
  SELECT r.id, u.id, r.client_id, r.ip_address, r.user_agent, r.created_at, r.last_used_at,
         r.revoked_at
    FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, numeric_id bigint, client_id text,
         ip_address text, user_agent text, created_at timestamptz, last_used_at timestamptz,
         revoked_at timestamptz)
    JOIN users u ON u.numeric_id = r.numeric_id
  ON CONFLICT (id) DO UPDATE SET
    client_id = excluded.client_id,
    ip_address = excluded.ip_address,
    user_agent = excluded.user_agent,
    created_at = excluded.created_at,
    last_used_at = GREATEST(s.last_used_at, excluded.last_used_at),
    revoked_at = CASE WHEN s.revoked_at IS NULL THEN excluded.revoked_at
                      WHEN excluded.revoked_at IS NULL THEN s.revoked_at
                      ELSE LEAST(s.revoked_at, excluded.revoked_at) END
  WHERE s.user_id = excluded.user_id
    AND ((s.client_id, s.ip_address, s.user_agent, s.created_at)
           IS DISTINCT FROM (excluded.client_id, excluded.ip_address, excluded.user_agent,
                             excluded.created_at)
         OR GREATEST(s.last_used_at, excluded.last_used_at) IS DISTINCT FROM s.last_used_at
         OR (CASE WHEN s.revoked_at IS NULL THEN excluded.revoked_at
                  WHEN excluded.revoked_at IS NULL THEN s.revoked_at
                  ELSE LEAST(s.revoked_at, excluded.revoked_at) END) IS DISTINCT FROM s.revoked_at)
  RETURNING (xmax = 0) AS created`;
