import type { ModuleMetadata } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ConfigModule } from '@nest-sso/config';
import { DatabaseModule } from '@nest-sso/database';
import { MetricsModule } from '@nest-sso/metrics';
import { TEST_DATABASE_URL } from './test-database';

/**
 * The service-level (integration) test harness: the given feature modules with the real
 * configuration and the real test PostgreSQL database, no HTTP. Settings in `env` override the
 * test defaults.
 */
export async function createTestContext(
  imports: NonNullable<ModuleMetadata['imports']>,
  env: Record<string, string> = {},
): Promise<TestingModule> {
  const module = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot({
        env: {
          NODE_ENV: 'test',
          DATABASE_URL: TEST_DATABASE_URL,
          DATABASE_POOL_SIZE: '4',
          SSO_MIGRATE_ON_START: 'false',
          ...env,
        },
      }),
      MetricsModule,
      DatabaseModule,
      ...imports,
    ],
  }).compile();
  await module.init();
  return module;
}

/**
 * Inserts a user row directly (no password hashing: these tests are about other rules) and
 * returns its id.
 */
export async function insertUser(
  context: TestingModule,
  fields: { isActive?: boolean } = {},
): Promise<string> {
  const tag = randomUUID();
  const [row] = await context
    .get(DataSource)
    .query<{ id: string }[]>(
      `INSERT INTO users (email, password_hash, is_active) VALUES ($1, 'not-a-hash', $2) RETURNING id`,
      [`user-${tag}@example.com`, fields.isActive ?? true],
    );
  return row.id;
}

/**
 * Inserts a session row directly: `createdAt`, `lastUsedAt` and `revokedAt` as offsets in seconds
 * from now (negative: in the past). Returns its id.
 */
export async function insertSession(
  context: TestingModule,
  userId: string,
  times: { createdAt?: number; lastUsedAt?: number | null; revokedAt?: number | null } = {},
): Promise<string> {
  const at = (offset: number | null | undefined) =>
    offset === null || offset === undefined ? null : new Date(Date.now() + offset * 1000);
  const [row] = await context.get(DataSource).query<{ id: string }[]>(
    `INSERT INTO sessions (user_id, created_at, last_used_at, revoked_at)
     VALUES ($1, $2, $3, $4) RETURNING id`,
    [userId, at(times.createdAt ?? 0), at(times.lastUsedAt), at(times.revokedAt)],
  );
  return row.id;
}
