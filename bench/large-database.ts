import { Client } from 'pg';

/** How many rows the opt-in large scenario seeds (`BENCH_LARGE=1`), times `BENCH_LARGE_SCALE`. */
export const LARGE = {
  users: 1_000_000,
  accounts: 50_000,
  memberships: 2_000_000,
  sessions: 5_000_000,
};

/**
 * Seeds the bench database in bulk with `generate_series` (not through the API): `LARGE` users,
 * accounts, memberships (two per user) and sessions (five per user: three active, one revoked,
 * one expired), then `VACUUM ANALYZE`. Triggers are off while seeding (`session_replication_role
 * = replica`: no notification per row); `login_names`, which a trigger keeps, is filled in bulk.
 * Returns the seconds it took per table.
 */
export async function seedLargeDatabase(
  url: string,
  scale: number,
): Promise<Record<string, number>> {
  const n = (count: number) => Math.max(1, Math.round(count * scale));
  const users = n(LARGE.users);
  const accounts = n(LARGE.accounts);
  const client = new Client({ connectionString: url });
  await client.connect();
  const took: Record<string, number> = {};
  const step = async (name: string, sql: string) => {
    const start = performance.now();
    await client.query(sql);
    took[name] = Math.round((performance.now() - start) / 100) / 10;
  };
  try {
    await client.query(`SET session_replication_role = replica; SET synchronous_commit = off;
                        SET maintenance_work_mem = '256MB'; SET statement_timeout = 0`);
    await step(
      'users',
      `INSERT INTO users (email, password_hash, permissions)
       SELECT 'user' || i || '@large.bench', '$argon2id$v=19$m=19456,t=2,p=1$c2VlZGVkc2VlZGVk$c2VlZGVkc2VlZGVkc2VlZGVkc2VlZGVkc2VlZGVkc2U', '{orders:read}'
         FROM generate_series(1, ${users}) AS i`,
    );
    await step(
      'login_names',
      `INSERT INTO login_names (name, user_id) SELECT email, id FROM users WHERE email LIKE '%@large.bench'`,
    );
    await step(
      'accounts',
      `INSERT INTO accounts (name) SELECT 'large-account-' || i FROM generate_series(1, ${accounts}) AS i`,
    );
    await client.query(`
      CREATE TEMP TABLE u AS
        SELECT id, row_number() OVER (ORDER BY id) AS n FROM users WHERE email LIKE '%@large.bench';
      CREATE TEMP TABLE a AS
        SELECT id, row_number() OVER (ORDER BY id) AS n FROM accounts WHERE name LIKE 'large-account-%';
      CREATE INDEX ON a (n)`);
    await step(
      'memberships',
      `INSERT INTO memberships (user_id, account_id, permissions)
       SELECT u.id, a.id, '{orders:read,orders:write}'
         FROM u CROSS JOIN generate_series(0, 1) AS k
         JOIN a ON a.n = ((u.n + k * ${Math.floor(accounts / 2)}) % ${accounts}) + 1`,
    );
    await step(
      'sessions',
      `INSERT INTO sessions (user_id, client_id, user_agent, created_at, last_used_at, revoked_at, revoked_reason)
       SELECT u.id, 'large-bench', 'seeded',
              now() - make_interval(days => k * 3), now() - make_interval(hours => k),
              CASE k WHEN 3 THEN now() - interval '1 day' WHEN 4 THEN now() - interval '2 days' END,
              CASE k WHEN 3 THEN 'logout' END
         FROM u CROSS JOIN generate_series(0, 4) AS k`,
    );
    await step('vacuum analyze', 'VACUUM ANALYZE');
  } finally {
    await client.end();
  }
  return took;
}

/** Table sizes, to show what was measured against. */
export async function rowCounts(url: string): Promise<Record<string, number>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const counts: Record<string, number> = {};
    for (const table of ['users', 'accounts', 'memberships', 'sessions']) {
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      counts[table] = Number(rows[0].n);
    }
    return counts;
  } finally {
    await client.end();
  }
}

/** The tables that grow with the data: none of them may be read by a sequential scan. */
const BIG_TABLES = [
  'users',
  'accounts',
  'memberships',
  'sessions',
  'login_names',
  'login_throttles',
];

export interface Plan {
  query: string;
  /** Every big table in the plan is reached through an index. */
  usesIndex: boolean;
  /** Tables read by a sequential scan (none of the big ones may be). */
  seqScans: string[];
  plan: string;
}

/**
 * EXPLAIN of every hot query, with the bench user's ids. The SQL is that of the services
 * (sessions.service.ts, login-lockout.service.ts, end-sessions.use-case.ts, accounts.service.ts),
 * repeated here in the shape PostgreSQL receives it.
 */
export async function explainHotQueries(
  url: string,
  ids: { sessionId: string; userId: string; email: string; account: string },
): Promise<Plan[]> {
  const queries: [string, string, unknown[]][] = [
    [
      'session check (POST /authorize, every session-token request on a cache miss)',
      `SELECT s.id, u.email, (SELECT coalesce(json_agg(json_build_array(m.id, m.account_id, a.name, m.permissions)), '[]')
          FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.user_id = s.user_id) AS memberships
         FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = $1 AND (s.revoked_at IS NULL OR s.revoked_at > now())`,
      [ids.sessionId],
    ],
    [
      'login: user by email or username (with the lockout reservation)',
      `SELECT * FROM users WHERE email = $1 OR username = $1 ORDER BY email = $1 DESC LIMIT 1`,
      [ids.email],
    ],
    [
      'login: session cap (oldest sessions beyond the newest 100)',
      `SELECT id FROM sessions WHERE user_id = $1 AND (revoked_at IS NULL OR revoked_at > now())
        ORDER BY created_at DESC, id DESC OFFSET 100`,
      [ids.userId],
    ],
    [
      'GET /sessions (a page)',
      `SELECT * FROM sessions session WHERE (session.revoked_at IS NULL OR session.revoked_at > now())
          AND session.user_id = $1
        ORDER BY COALESCE(session.last_used_at, session.created_at) DESC, session.id LIMIT 20`,
      [ids.userId],
    ],
    [
      'GET /sessions (the count)',
      `SELECT count(*) FROM sessions session WHERE (session.revoked_at IS NULL OR session.revoked_at > now())
          AND session.user_id = $1`,
      [ids.userId],
    ],
    [
      'session touch (last_used_at)',
      `UPDATE sessions SET last_used_at = now() WHERE id = $1
          AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => 60))`,
      [ids.sessionId],
    ],
    [
      'end all sessions of a user (logout everywhere, deactivation)',
      `UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout'
        WHERE user_id = $1 AND (revoked_at IS NULL OR revoked_at > now())`,
      [ids.userId],
    ],
    [
      'membership by account name (SSO_VERIFY_SESSION_TOKEN=false)',
      `SELECT m.id FROM memberships m JOIN accounts a ON a.id = m.account_id
        WHERE m.user_id = $1 AND a.name = $2 LIMIT 1`,
      [ids.userId, ids.account],
    ],
  ];
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const plans: Plan[] = [];
    for (const [query, sql, values] of queries) {
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, values);
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      const seqScans = [...plan.matchAll(/Seq Scan on (\w+)/g)].map((m) => m[1]);
      plans.push({
        query,
        usesIndex: /Index|Bitmap/.test(plan) && !seqScans.some((t) => BIG_TABLES.includes(t)),
        seqScans,
        plan,
      });
    }
    return plans;
  } finally {
    await client.end();
  }
}
