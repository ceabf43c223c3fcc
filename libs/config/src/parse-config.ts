import { isIP } from 'node:net';
import { ConfigError } from './config.errors';
import { FILE_SUFFIX, readSecretFile } from './secret-file';
import {
  KEY_ALGORITHMS,
  KeyAlgorithm,
  KeyFileMap,
  RSA_ALGORITHMS,
  SigningAlgorithm,
  SsoConfig,
} from './sso-config';

type Env = Record<string, string | undefined>;

const DEV_IDENTITY = 'nest-sso';

/**
 * Floor of `SSO_JWKS_MAX_AGE`, in seconds: @nest-sso/sso-client caches the JWKS at least this long
 * (its default `refetchCooldown`), and new keys must be published at least as long before they
 * sign (`SSO_KEY_PUBLISH_AHEAD` >= max-age), so a lower value would only let rotations outrun
 * verifiers and let each request trigger a JWKS fetch.
 */
export const MIN_JWKS_MAX_AGE = 30;

/**
 * Parses and validates every setting at once. Throws a `ConfigError` naming the first bad variable.
 * `env` is a plain map so tests can pass their own settings without touching `process.env`.
 */
export function parseConfig(env: Env): SsoConfig {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  /**
   * A secret: from `<NAME>`, or from the file `<NAME>_FILE` names (Docker and Kubernetes
   * secrets). Read every secret setting through this, so that each gets its `_FILE` variant.
   */
  const secret = (name: string): string | undefined => {
    const fileVariable = `${name}${FILE_SUFFIX}`;
    const path = read(fileVariable);
    const value = read(name);
    if (path === undefined) return value;
    if (value !== undefined) {
      throw new ConfigError(fileVariable, `and ${name} are both set: give only one of them`);
    }
    return readSecretFile(fileVariable, path).trim();
  };

  const nodeEnv = oneOf(read, 'NODE_ENV', ['development', 'production', 'test'], 'development');
  const identity = read('SSO_IDENTITY') ?? (nodeEnv === 'production' ? undefined : DEV_IDENTITY);
  if (identity === undefined) {
    throw new ConfigError(
      'SSO_IDENTITY',
      'is required when NODE_ENV=production (the issuer name put in every token)',
    );
  }
  const encodeAlgorithm = algorithm(
    'SSO_ENCODE_ALGORITHM',
    read('SSO_ENCODE_ALGORITHM') ?? 'RS256',
    RSA_ALGORITHMS,
  );
  const decodeAlgorithms =
    list(read, 'SSO_DECODE_ALGORITHMS')?.map((alg) =>
      algorithm('SSO_DECODE_ALGORITHMS', alg, KEY_ALGORITHMS),
    ) ?? null;
  const port = integer(read, 'PORT', 3000, 1, 65535);
  const jwksMaxAge = integer(read, 'SSO_JWKS_MAX_AGE', 300, 0, 86400);
  if (jwksMaxAge < MIN_JWKS_MAX_AGE) {
    throw new ConfigError(
      'SSO_JWKS_MAX_AGE',
      `must be at least ${MIN_JWKS_MAX_AGE} seconds (got ${jwksMaxAge}): verifiers keep keys that long ` +
        'whatever it says, so a shorter max-age would make new keys sign before they have seen them, ' +
        'and max-age=0 would make every token, forged ones included, cost a JWKS request',
    );
  }
  const sessionTouchInterval = integer(read, 'SSO_SESSION_TOUCH_INTERVAL', 60, 0, 86400);
  const sessionIdleTimeout = optionalInteger(read, 'SSO_SESSION_IDLE_TIMEOUT', 1);
  if (sessionIdleTimeout !== null && sessionIdleTimeout <= 2 * sessionTouchInterval) {
    // last_used_at may lag by up to the touch interval; a shorter timeout would end busy sessions.
    throw new ConfigError(
      'SSO_SESSION_IDLE_TIMEOUT',
      `must be more than twice SSO_SESSION_TOUCH_INTERVAL (${sessionTouchInterval} s), got ${sessionIdleTimeout}`,
    );
  }

  // 0 turns the cap off; without one, a client that logs in on every run piles up sessions.
  const sessionCap = integer(read, 'SSO_MAX_SESSIONS_PER_USER', 100, 0, 1_000_000);

  return {
    nodeEnv,
    host: read('HOST') ?? '0.0.0.0',
    port,
    shutdownTimeout: integer(read, 'SSO_SHUTDOWN_TIMEOUT', 10, 1, 3600),
    shutdownDelay: integer(read, 'SSO_SHUTDOWN_DELAY', 0, 0, 600),
    http: httpLimits(read),
    log: {
      level: oneOf(
        read,
        'SSO_LOG_LEVEL',
        ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
        nodeEnv === 'test' ? 'warn' : 'info',
      ),
      format: oneOf(
        read,
        'SSO_LOG_FORMAT',
        ['json', 'pretty'],
        nodeEnv === 'development' ? 'pretty' : 'json',
      ),
    },
    database: {
      url: databaseUrl(secret('DATABASE_URL')),
      dataDir: read('SSO_DATA_DIR') ?? './data',
      migrateOnStart: boolean(read, 'SSO_MIGRATE_ON_START', true),
      poolSize: integer(read, 'DATABASE_POOL_SIZE', 10, 1, 1000),
      connectTimeout: integer(read, 'DATABASE_CONNECT_TIMEOUT', 5, 1, 300),
      connectAttempts: integer(read, 'DATABASE_CONNECT_ATTEMPTS', 8, 1, 100),
      ...databaseTimeouts(read),
    },
    identity,
    sessionAudience: audience(read, 'SSO_SESSION_AUDIENCE', identity),
    authorizationAudience: audience(read, 'SSO_AUTHORIZATION_AUDIENCE', identity),
    acceptedIssuers: list(read, 'SSO_ACCEPTED_ISSUERS'),
    keyStoreRoot: read('SSO_KEY_STORE_ROOT') ?? './keys',
    privateKeys: keyFileMap(read, 'SSO_PRIVATE_KEYS'),
    keyRescanInterval: integer(read, 'SSO_KEY_RESCAN_INTERVAL', 30, 0, 86400),
    jwksMaxAge,
    // Verifiers may cache the JWKS for max-age; publishing twice that ahead leaves them time to refetch.
    keyPublishAhead: integer(read, 'SSO_KEY_PUBLISH_AHEAD', 2 * jwksMaxAge, jwksMaxAge, 30 * 86400),
    publicUrl: publicUrl(read('SSO_PUBLIC_URL'), nodeEnv, port),
    publicKeys: keyFileMap(read, 'SSO_PUBLIC_KEYS'),
    encodeAlgorithm,
    decodeAlgorithms,
    expirationLeeway: integer(read, 'SSO_EXPIRATION_LEEWAY', 0, 0, 3600),
    sessionExpiration: optionalInteger(read, 'SSO_SESSION_EXPIRATION', 1),
    authorizationExpiration: integer(read, 'SSO_AUTHORIZATION_EXPIRATION', 300, 1, 86400),
    adminTokenExpiration: integer(read, 'SSO_ADMIN_TOKEN_EXPIRATION', 300, 1, 3600),
    verifySessionToken: boolean(read, 'SSO_VERIFY_SESSION_TOKEN', true),
    authenticateHeader: token(read, 'SSO_AUTHENTICATE_HEADER', 'JWT'),
    sessionTouchInterval,
    sessionIdleTimeout,
    maxSessionsPerUser: sessionCap === 0 ? null : sessionCap,
    loginLockout: {
      freeAttempts: integer(read, 'SSO_LOGIN_FREE_ATTEMPTS', 5, 1, 1000),
      baseSeconds: integer(read, 'SSO_LOGIN_LOCKOUT_BASE', 1, 1, 3600),
      maxSeconds: integer(read, 'SSO_LOGIN_LOCKOUT_MAX', 900, 1, 86400),
      windowSeconds: integer(read, 'SSO_LOGIN_FAILURE_WINDOW', 3600, 60, 30 * 86400),
    },
    rateLimit: {
      login: integer(read, 'SSO_RATE_LIMIT_LOGIN', 30, 0, 1_000_000),
      authorize: integer(read, 'SSO_RATE_LIMIT_AUTHORIZE', 600, 0, 1_000_000),
      password: integer(read, 'SSO_RATE_LIMIT_PASSWORD', 10, 0, 1_000_000),
    },
    redisUrl: redisUrl(secret('REDIS_URL')),
    trustedProxies: trustedProxies(list(read, 'SSO_TRUSTED_PROXIES') ?? []),
    corsOrigins: list(read, 'SSO_CORS_ORIGINS'),
    oidcCookieKeys: oidcCookieKeys(secret('SSO_OIDC_COOKIE_KEYS')),
    oidcAllowPrivateBackchannel: boolean(
      read,
      'SSO_OIDC_ALLOW_PRIVATE_BACKCHANNEL',
      nodeEnv !== 'production',
    ),
    metricsToken: secret('SSO_METRICS_TOKEN') ?? null,
    bootstrapAdmin: bootstrapAdmin(read('SSO_ADMIN_EMAIL'), secret('SSO_ADMIN_PASSWORD')),
    argon2: {
      // OWASP password storage cheat sheet: argon2id, 19 MiB, 2 iterations, 1 lane.
      memoryCost: integer(read, 'SSO_ARGON2_MEMORY_COST', 19456, 8192, 1048576),
      timeCost: integer(read, 'SSO_ARGON2_TIME_COST', 2, 1, 20),
      parallelism: integer(read, 'SSO_ARGON2_PARALLELISM', 1, 1, 16),
    },
  };
}

type Read = (name: string) => string | undefined;

/** Comma-separated cookie signing keys, each at least 32 characters. */
function oidcCookieKeys(raw: string | undefined): string[] | null {
  if (raw === undefined) return null;
  const keys = raw.split(',').map((key) => key.trim());
  if (keys.length === 0 || keys.some((key) => key.length < 32)) {
    throw new ConfigError(
      'SSO_OIDC_COOKIE_KEYS',
      'must be comma-separated keys of 32 characters or more',
    );
  }
  return keys;
}

/**
 * An audience list, defaulting to the identity. `<identity>/admin` is the admin API's own
 * audience (admin tokens carry only it): a session or authorization token naming it would reach
 * every service that receives such tokens, so it is refused here.
 */
function audience(read: Read, name: string, identity: string): string[] {
  const audiences = list(read, name) ?? [identity];
  if (audiences.includes(`${identity}/admin`)) {
    throw new ConfigError(name, `must not name "${identity}/admin", the admin API's own audience`);
  }
  return audiences;
}

/**
 * How long PostgreSQL work may take, in seconds. The statement timeout is PostgreSQL's own (it
 * cancels the statement and the connection stays usable); the query timeout is the client's
 * (nothing came back at all, as when the network drops packets), so it must be the longer one.
 */
function databaseTimeouts(read: Read) {
  const statementTimeout = integer(read, 'DATABASE_STATEMENT_TIMEOUT', 5, 1, 3600);
  const queryTimeout = integer(read, 'DATABASE_QUERY_TIMEOUT', 10, 1, 3600);
  if (queryTimeout <= statementTimeout) {
    throw new ConfigError(
      'DATABASE_QUERY_TIMEOUT',
      `must be longer than DATABASE_STATEMENT_TIMEOUT (${statementTimeout} s), got ${queryTimeout}`,
    );
  }
  return {
    statementTimeout,
    queryTimeout,
    stallTimeout: integer(read, 'DATABASE_STALL_TIMEOUT', 60, 1, 3600),
  };
}

function httpLimits(read: Read): SsoConfig['http'] {
  const headersTimeout = integer(read, 'SSO_HTTP_HEADERS_TIMEOUT', 10, 1, 300);
  const requestTimeout = integer(read, 'SSO_HTTP_REQUEST_TIMEOUT', 30, 1, 3600);
  if (requestTimeout < headersTimeout) {
    // Node requires it: the whole request cannot take less time than its headers.
    throw new ConfigError(
      'SSO_HTTP_REQUEST_TIMEOUT',
      `must be at least SSO_HTTP_HEADERS_TIMEOUT (${headersTimeout} s), got ${requestTimeout}`,
    );
  }
  return {
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: integer(read, 'SSO_HTTP_KEEP_ALIVE_TIMEOUT', 65, 1, 3600),
    maxConnections: integer(read, 'SSO_HTTP_MAX_CONNECTIONS', 10_000, 1, 1_000_000),
  };
}

function oneOf<T extends string>(read: Read, name: string, allowed: readonly T[], fallback: T): T {
  const value = read(name) ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${value}")`);
  }
  return value as T;
}

function integer(read: Read, name: string, fallback: number, min: number, max: number): number {
  const raw = read(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

function optionalInteger(read: Read, name: string, min: number): number | null {
  return read(name) === undefined ? null : integer(read, name, 0, min, Number.MAX_SAFE_INTEGER);
}

function boolean(read: Read, name: string, fallback: boolean): boolean {
  const raw = read(name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false (got "${raw}")`);
}

function token(read: Read, name: string, fallback: string): string {
  const value = read(name) ?? fallback;
  if (!/^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*$/.test(value)) {
    throw new ConfigError(
      name,
      `must be an HTTP auth scheme name such as JWT or Bearer (got "${value}")`,
    );
  }
  return value;
}

/** A list, written either as a JSON array or comma-separated. */
function list(read: Read, name: string): string[] | null {
  const raw = read(name);
  if (raw === undefined) return null;
  let items: unknown;
  if (raw.startsWith('[')) {
    try {
      items = JSON.parse(raw);
    } catch {
      throw new ConfigError(
        name,
        'is not valid JSON (write a JSON array or a comma-separated list)',
      );
    }
  } else {
    items = raw.split(',').map((item) => item.trim());
  }
  if (
    !Array.isArray(items) ||
    items.length === 0 ||
    !items.every((i) => typeof i === 'string' && i !== '')
  ) {
    throw new ConfigError(name, 'must be a non-empty list of non-empty strings');
  }
  return items as string[];
}

function algorithm<T extends SigningAlgorithm | KeyAlgorithm>(
  name: string,
  value: string,
  allowed: readonly T[],
): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(
      name,
      `must name algorithms among ${allowed.join(', ')} (got "${value}")`,
    );
  }
  return value as T;
}

/**
 * Where clients reach this server. Outside production it defaults to `http://localhost:PORT`; in
 * production that default would be advertised in discovery and the OpenAPI page, so it is required.
 */
function publicUrl(value: string | undefined, nodeEnv: SsoConfig['nodeEnv'], port: number): string {
  if (value === undefined && nodeEnv === 'production') {
    throw new ConfigError(
      'SSO_PUBLIC_URL',
      'is required when NODE_ENV=production (the https:// URL clients reach this server at)',
    );
  }
  const raw = value ?? `http://localhost:${port}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('SSO_PUBLIC_URL', `is not a valid URL (got "${raw}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('SSO_PUBLIC_URL', `must be an http:// or https:// URL (got "${raw}")`);
  }
  return raw.replace(/\/+$/, '');
}

/** JSON object: issuer → file name or list of file names (DRF-SSO's PRIVATE_KEYS/PUBLIC_KEYS). */
function keyFileMap(read: Read, name: string): KeyFileMap | null {
  const raw = read(name);
  if (raw === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(name, 'is not valid JSON (expected {"issuer": ["file.pem", ...]})');
  }
  return toKeyFileMap(name, parsed);
}

/**
 * Validates a parsed key list: an object mapping each issuer to a file name or a non-empty list
 * of file names. `name` is what error messages call the setting.
 */
export function toKeyFileMap(name: string, parsed: unknown): KeyFileMap {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(
      name,
      'must be a JSON object mapping each issuer to a file or a list of files',
    );
  }
  const map: KeyFileMap = {};
  for (const [issuer, files] of Object.entries(parsed)) {
    const fileList: unknown = typeof files === 'string' ? [files] : files;
    if (
      !Array.isArray(fileList) ||
      fileList.length === 0 ||
      !fileList.every((f) => typeof f === 'string' && f !== '')
    ) {
      throw new ConfigError(
        name,
        `must map issuer "${issuer}" to a file name or a non-empty list of file names`,
      );
    }
    map[issuer] = fileList as string[];
  }
  return map;
}

function databaseUrl(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      'DATABASE_URL',
      'is not a valid URL (expected postgres://user:password@host:5432/database)',
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(
      'DATABASE_URL',
      `must use the postgres:// scheme (got "${url.protocol}")`,
    );
  }
  return raw;
}

function redisUrl(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('REDIS_URL', 'is not a valid URL (expected redis://host:6379)');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError(
      'REDIS_URL',
      `must use the redis:// or rediss:// scheme (got "${url.protocol}")`,
    );
  }
  return raw;
}

/** Addresses, CIDR ranges, or the names Express knows (loopback, linklocal, uniquelocal). */
function trustedProxies(entries: string[]): string[] {
  for (const entry of entries) {
    if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) continue;
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || rest.length > 0) {
      throw new ConfigError(
        'SSO_TRUSTED_PROXIES',
        `must list IP addresses, CIDR ranges, loopback, linklocal or uniquelocal (got "${entry}")`,
      );
    }
  }
  return entries;
}

function bootstrapAdmin(
  email: string | undefined,
  password: string | undefined,
): { email: string; password: string } | null {
  if (email === undefined && password === undefined) return null;
  if (email === undefined || password === undefined) {
    throw new ConfigError(
      email === undefined ? 'SSO_ADMIN_EMAIL' : 'SSO_ADMIN_PASSWORD',
      'must be set together with ' +
        (email === undefined ? 'SSO_ADMIN_PASSWORD' : 'SSO_ADMIN_EMAIL'),
    );
  }
  if (password.length < 12) {
    throw new ConfigError('SSO_ADMIN_PASSWORD', 'must be at least 12 characters');
  }
  return { email, password };
}
