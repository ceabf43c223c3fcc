import type { DataSourceOptions } from 'typeorm';
import type { SsoConfig } from '@nest-sso/config';
import { DatabaseConnection, embeddedSocketClient } from './database-connection';
import { EvictingClient } from './evicting-client';
import { InitialSchema1764000000000 } from './migrations/1764000000000-initial-schema';
import { SessionsSecurityAudit1764100000000 } from './migrations/1764100000000-sessions-security-audit';
import { AuditActor1764200000000 } from './migrations/1764200000000-audit-actor';
import { LoginNames1764300000000 } from './migrations/1764300000000-login-names';
import { Oidc1764500000000 } from './migrations/1764500000000-oidc';
import { NumericUserIds1764600000000 } from './migrations/1764600000000-numeric-user-ids';
import { SessionCheckInvalidation1764700000000 } from './migrations/1764700000000-session-check-invalidation';
import { OidcConsents1765300000000 } from './migrations/1765300000000-oidc-consents';
import { AuditClient1765400000000 } from './migrations/1765400000000-audit-client';

/** Every migration, in order. Listed explicitly so that the built output needs no file globbing. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  SessionsSecurityAudit1764100000000,
  AuditActor1764200000000,
  LoginNames1764300000000,
  Oidc1764500000000,
  NumericUserIds1764600000000,
  SessionCheckInvalidation1764700000000,
  OidcConsents1765300000000,
  AuditClient1765400000000,
];

/** Marks, in `extra`, a pg connection to the embedded database: one session shared by all. */
const SHARED_SESSION = 'nestSsoSharedSession';

/**
 * The one data-source definition, used by the server, the CLI and the tests: PostgreSQL at
 * `DATABASE_URL`, the embedded PGlite database's files, or a running server's embedded database
 * through its socket (see `connectDatabase`; without `connection`, PostgreSQL at the configured
 * URL). It names no entities: each feature module registers its own (`TypeOrmModule.forFeature`,
 * picked up by `autoLoadEntities`), and migrations are plain SQL that need none.
 */
export function dataSourceOptions(
  config: {
    database: Pick<SsoConfig['database'], 'url' | 'poolSize' | 'connectTimeout'> &
      Partial<Pick<SsoConfig['database'], 'statementTimeout' | 'queryTimeout'>>;
  },
  connection: DatabaseConnection = { kind: 'postgres', url: config.database.url! },
): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities: [],
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
  };
  // PGlite has gen_random_uuid() built in and cannot install extensions.
  const embedded = { uuidExtension: 'pgcrypto' as const, installExtensions: false };
  switch (connection.kind) {
    case 'postgres':
      return {
        ...common,
        url: connection.url,
        poolSize: config.database.poolSize,
        applicationName: 'nest-sso',
        // Without a bound, a request waits forever for a connection while PostgreSQL is away.
        connectTimeoutMS: config.database.connectTimeout * 1000,
        extra: postgresExtra(config.database),
      };
    case 'embedded':
      return { ...common, ...embedded, driver: connection.driver };
    case 'embedded-socket': {
      const { host, port, user, database } = embeddedSocketClient(connection.socketDir);
      return {
        ...common,
        ...embedded,
        host,
        port,
        username: user,
        database,
        // The serving process runs one statement at a time anyway.
        poolSize: Math.min(config.database.poolSize, 4),
        connectTimeoutMS: config.database.connectTimeout * 1000,
        extra: { [SHARED_SESSION]: true },
      };
    }
  }
}

/**
 * Whether every connection of the data source shares one database session (the embedded
 * database, directly or through a server's socket). There, named prepared statements would
 * collide: a name prepared by one client, or by an earlier run, already exists for the next.
 */
export function sharesOneSession(options: DataSourceOptions): boolean {
  const { driver, extra } = options as { driver?: unknown; extra?: Record<string, unknown> };
  return driver !== undefined || extra?.[SHARED_SESSION] === true;
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
