import { resolve } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { PGliteDriver } from 'typeorm-pglite';
import type { SsoConfig } from '@nest-sso/config';
import { EvictingClient } from './evicting-client';
import { InitialSchema1764000000000 } from './migrations/1764000000000-initial-schema';
import { SessionsSecurityAudit1764100000000 } from './migrations/1764100000000-sessions-security-audit';
import { AuditActor1764200000000 } from './migrations/1764200000000-audit-actor';
import { LoginNames1764300000000 } from './migrations/1764300000000-login-names';

/** Every migration, in order. Listed explicitly so that the built output needs no file globbing. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  SessionsSecurityAudit1764100000000,
  AuditActor1764200000000,
  LoginNames1764300000000,
];

/**
 * The one data-source definition, used by the server, the CLI and the tests: PostgreSQL when
 * `DATABASE_URL` is set, otherwise the embedded PGlite database in the data directory. It names
 * no entities: each feature module registers its own (`TypeOrmModule.forFeature`, picked up by
 * `autoLoadEntities`), and migrations are plain SQL that need none.
 */
export function dataSourceOptions(config: {
  database: Pick<SsoConfig['database'], 'url' | 'dataDir' | 'poolSize' | 'connectTimeout'> &
    Partial<Pick<SsoConfig['database'], 'statementTimeout' | 'queryTimeout'>>;
}): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities: [],
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
  };
  if (config.database.url !== null) {
    return {
      ...common,
      url: config.database.url,
      poolSize: config.database.poolSize,
      applicationName: 'nest-sso',
      // Without a bound, a request waits forever for a connection while PostgreSQL is away.
      connectTimeoutMS: config.database.connectTimeout * 1000,
      extra: postgresExtra(config.database),
    };
  }
  return {
    ...common,
    driver: new PGliteDriver({ dataDir: embeddedDataDir(config) }).driver,
    // PGlite has gen_random_uuid() built in and cannot install extensions.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
  };
}

/** Directory that holds the embedded database's files. */
export function embeddedDataDir(config: {
  database: Pick<SsoConfig['database'], 'dataDir'>;
}): string {
  return resolve(config.database.dataDir, 'pglite');
}

/** Seconds of silence before TCP keepalive probes start on an idle PostgreSQL connection. */
const KEEPALIVE_IDLE_SECONDS = 10;

/**
 * node-postgres options that keep a connection from hanging for ever: TCP keepalive (a peer gone
 * without a word is noticed by the kernel), PostgreSQL's `statement_timeout` and
 * `idle_in_transaction_session_timeout` (the server cancels, the connection stays usable), and the
 * client's `query_timeout` with `EvictingClient` (no answer at all: the connection is dropped from
 * the pool). Without timeouts (the test set-up) only keepalive applies.
 */
function postgresExtra(
  database: Partial<Pick<SsoConfig['database'], 'statementTimeout' | 'queryTimeout'>>,
) {
  const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : seconds * 1000);
  return {
    Client: EvictingClient,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_IDLE_SECONDS * 1000,
    statement_timeout: ms(database.statementTimeout),
    idle_in_transaction_session_timeout: ms(database.queryTimeout),
    query_timeout: ms(database.queryTimeout),
  };
}
