import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.errors';
import { parseConfig } from './parse-config';

describe(parseConfig.name, () => {
  it('should give every setting its documented default (DRF-SSO defaults for the SSO_ ones)', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      host: '0.0.0.0',
      port: 3000,
      database: { url: null, dataDir: './data', migrateOnStart: true, poolSize: 10 },
      identity: 'nest-sso',
      sessionAudience: ['nest-sso'],
      authorizationAudience: ['nest-sso'],
      acceptedIssuers: null,
      keyStoreRoot: './keys',
      privateKeys: null,
      publicKeys: null,
      encodeAlgorithm: 'RS256',
      decodeAlgorithms: null,
      keyRescanInterval: 30,
      jwksMaxAge: 300,
      keyPublishAhead: 600,
      publicUrl: 'http://localhost:3000',
      expirationLeeway: 0,
      sessionExpiration: null,
      authorizationExpiration: 300,
      verifySessionToken: true,
      authenticateHeader: 'JWT',
      sessionTouchInterval: 60,
      maxSessionsPerUser: 100,
      adminTokenExpiration: 300,
      rateLimit: { login: 30, authorize: 600, password: 10 },
      argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
      shutdownTimeout: 10,
      shutdownDelay: 0,
      http: {
        headersTimeout: 10,
        requestTimeout: 30,
        keepAliveTimeout: 65,
        maxConnections: 10_000,
      },
    });
    expect(config.database).toMatchObject({
      statementTimeout: 5,
      queryTimeout: 10,
      stallTimeout: 60,
    });
  });

  it('should read the database timeouts, and refuse a query timeout not above the statement timeout', () => {
    expect(
      parseConfig({
        DATABASE_STATEMENT_TIMEOUT: '2',
        DATABASE_QUERY_TIMEOUT: '3',
        DATABASE_STALL_TIMEOUT: '20',
      }).database,
    ).toMatchObject({ statementTimeout: 2, queryTimeout: 3, stallTimeout: 20 });
    expect(() =>
      parseConfig({ DATABASE_STATEMENT_TIMEOUT: '10', DATABASE_QUERY_TIMEOUT: '10' }),
    ).toThrow(
      'DATABASE_QUERY_TIMEOUT must be longer than DATABASE_STATEMENT_TIMEOUT (10 s), got 10',
    );
    expect(() => parseConfig({ DATABASE_STALL_TIMEOUT: '0' })).toThrow(ConfigError);
  });

  it('should cap sessions per user at 100 by default, and 0 turns the cap off', () => {
    expect(parseConfig({ SSO_MAX_SESSIONS_PER_USER: '0' }).maxSessionsPerUser).toBeNull();
    expect(parseConfig({ SSO_MAX_SESSIONS_PER_USER: '3' }).maxSessionsPerUser).toBe(3);
    expect(() => parseConfig({ SSO_MAX_SESSIONS_PER_USER: '-1' })).toThrow(ConfigError);
  });

  it("should refuse the admin API's audience in the other tokens' audiences", () => {
    expect(() =>
      parseConfig({ SSO_IDENTITY: 'sso', SSO_AUTHORIZATION_AUDIENCE: 'orders, sso/admin' }),
    ).toThrow('SSO_AUTHORIZATION_AUDIENCE must not name "sso/admin"');
    expect(() => parseConfig({ SSO_IDENTITY: 'sso', SSO_SESSION_AUDIENCE: 'sso/admin' })).toThrow(
      ConfigError,
    );
  });

  it('should read the password rate limit and the admin token lifetime', () => {
    const config = parseConfig({ SSO_RATE_LIMIT_PASSWORD: '3', SSO_ADMIN_TOKEN_EXPIRATION: '60' });
    expect(config.rateLimit.password).toBe(3);
    expect(config.adminTokenExpiration).toBe(60);
    expect(() => parseConfig({ SSO_ADMIN_TOKEN_EXPIRATION: '7200' })).toThrow(ConfigError);
  });

  it('should default both audiences to the identity', () => {
    const config = parseConfig({
      SSO_IDENTITY: 'https://sso.example.com',
      SSO_ENCODE_ALGORITHM: 'PS256',
    });
    expect(config.sessionAudience).toEqual(['https://sso.example.com']);
    expect(config.authorizationAudience).toEqual(['https://sso.example.com']);
    expect(config.encodeAlgorithm).toBe('PS256');
  });

  it('should read lists as JSON arrays or comma-separated, and key maps with a file or a list per issuer', () => {
    const config = parseConfig({
      SSO_ACCEPTED_ISSUERS: 'a, b',
      SSO_SESSION_AUDIENCE: '["x","y"]',
      SSO_PRIVATE_KEYS: '{"a": "a-2026.pem"}',
      SSO_PUBLIC_KEYS: '{"a": ["a-2026.pem", "a-2025.pem"], "b": "b.pem"}',
    });
    expect(config.acceptedIssuers).toEqual(['a', 'b']);
    expect(config.sessionAudience).toEqual(['x', 'y']);
    expect(config.privateKeys).toEqual({ a: ['a-2026.pem'] });
    expect(config.publicKeys).toEqual({ a: ['a-2026.pem', 'a-2025.pem'], b: ['b.pem'] });
  });

  it('should read the security and operations settings', () => {
    const config = parseConfig({
      SSO_SESSION_TOUCH_INTERVAL: '30',
      SSO_SESSION_IDLE_TIMEOUT: '61',
      SSO_MAX_SESSIONS_PER_USER: '5',
      SSO_TRUSTED_PROXIES: 'loopback, 10.0.0.0/8, 2001:db8::1',
      SSO_RATE_LIMIT_LOGIN: '0',
      REDIS_URL: 'rediss://cache:6380',
      SSO_CORS_ORIGINS: 'https://app.example.com',
      NODE_ENV: 'production',
      SSO_IDENTITY: 'https://sso.example.com',
      SSO_PUBLIC_URL: 'https://sso.example.com/',
    });
    expect(config).toMatchObject({
      sessionIdleTimeout: 61,
      maxSessionsPerUser: 5,
      trustedProxies: ['loopback', '10.0.0.0/8', '2001:db8::1'],
      rateLimit: { login: 0, authorize: 600 },
      redisUrl: 'rediss://cache:6380',
      corsOrigins: ['https://app.example.com'],
      log: { level: 'info', format: 'json' },
      bootstrapAdmin: null,
      publicUrl: 'https://sso.example.com',
    });
  });

  it('should take the JWKS max-age from its floor up, and publish keys twice that ahead by default', () => {
    expect(parseConfig({ SSO_JWKS_MAX_AGE: '30' })).toMatchObject({
      jwksMaxAge: 30,
      keyPublishAhead: 60,
    });
  });

  it('should treat an empty variable as unset', () => {
    expect(parseConfig({ SSO_SESSION_EXPIRATION: '', PORT: ' ' })).toMatchObject({
      sessionExpiration: null,
      port: 3000,
    });
  });

  it.each([
    [{ NODE_ENV: 'production' }, 'SSO_IDENTITY is required when NODE_ENV=production'],
    [
      { NODE_ENV: 'production', SSO_IDENTITY: 'https://sso.example.com' },
      'SSO_PUBLIC_URL is required when NODE_ENV=production',
    ],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV must be one of development, production, test'],
    [{ PORT: '70000' }, 'PORT must be a whole number from 1 to 65535 (got "70000")'],
    [{ SSO_AUTHORIZATION_EXPIRATION: '5m' }, 'SSO_AUTHORIZATION_EXPIRATION must be a whole number'],
    [{ SSO_SESSION_EXPIRATION: '0' }, 'SSO_SESSION_EXPIRATION must be a whole number'],
    [{ SSO_VERIFY_SESSION_TOKEN: 'maybe' }, 'SSO_VERIFY_SESSION_TOKEN must be true or false'],
    [{ SSO_ENCODE_ALGORITHM: 'HS256' }, 'SSO_ENCODE_ALGORITHM must name algorithms among'],
    [{ SSO_DECODE_ALGORITHMS: 'RS256,none' }, 'SSO_DECODE_ALGORITHMS must name algorithms among'],
    [{ SSO_PRIVATE_KEYS: '{not json' }, 'SSO_PRIVATE_KEYS is not valid JSON'],
    [{ SSO_PUBLIC_KEYS: '["a.pem"]' }, 'SSO_PUBLIC_KEYS must be a JSON object'],
    [{ SSO_PUBLIC_KEYS: '{"a": []}' }, 'SSO_PUBLIC_KEYS must map issuer "a" to a file name'],
    [{ SSO_ACCEPTED_ISSUERS: '["a", 1]' }, 'SSO_ACCEPTED_ISSUERS must be a non-empty list'],
    [
      { SSO_AUTHENTICATE_HEADER: 'JWT realm' },
      'SSO_AUTHENTICATE_HEADER must be an HTTP auth scheme',
    ],
    [{ DATABASE_URL: 'mysql://localhost/db' }, 'DATABASE_URL must use the postgres:// scheme'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL is not a valid URL'],
    [
      { SSO_SESSION_IDLE_TIMEOUT: '120' },
      'SSO_SESSION_IDLE_TIMEOUT must be more than twice SSO_SESSION_TOUCH_INTERVAL (60 s), got 120',
    ],
    [{ SSO_TRUSTED_PROXIES: '10.0.0.0/8,proxy.internal' }, 'SSO_TRUSTED_PROXIES must list IP'],
    [{ SSO_TRUSTED_PROXIES: '10.0.0.0/33' }, 'SSO_TRUSTED_PROXIES must list IP'],
    [{ REDIS_URL: 'http://localhost:6379' }, 'REDIS_URL must use the redis:// or rediss:// scheme'],
    [{ SSO_RATE_LIMIT_LOGIN: '-1' }, 'SSO_RATE_LIMIT_LOGIN must be a whole number from 0'],
    [{ SSO_ADMIN_EMAIL: 'admin@example.com' }, 'SSO_ADMIN_PASSWORD must be set together with'],
    [
      { SSO_ADMIN_EMAIL: 'a@example.com', SSO_ADMIN_PASSWORD: 'short' },
      'SSO_ADMIN_PASSWORD must be at least 12 characters',
    ],
    [{ SSO_LOG_LEVEL: 'loud' }, 'SSO_LOG_LEVEL must be one of trace, debug'],
    [{ SSO_LOG_FORMAT: 'xml' }, 'SSO_LOG_FORMAT must be one of json, pretty'],
    [{ SSO_SHUTDOWN_DELAY: '-1' }, 'SSO_SHUTDOWN_DELAY must be a whole number from 0 to 600'],
    [
      { SSO_HTTP_HEADERS_TIMEOUT: '20', SSO_HTTP_REQUEST_TIMEOUT: '10' },
      'SSO_HTTP_REQUEST_TIMEOUT must be at least SSO_HTTP_HEADERS_TIMEOUT (20 s), got 10',
    ],
    [{ SSO_HTTP_MAX_CONNECTIONS: '0' }, 'SSO_HTTP_MAX_CONNECTIONS must be a whole number from 1'],
    [{ SSO_JWKS_MAX_AGE: '0' }, 'SSO_JWKS_MAX_AGE must be at least 30 seconds (got 0)'],
    [{ SSO_JWKS_MAX_AGE: '29' }, 'SSO_JWKS_MAX_AGE must be at least 30 seconds (got 29)'],
    [{ SSO_JWKS_MAX_AGE: '-1' }, 'SSO_JWKS_MAX_AGE must be a whole number'],
  ])('should refuse %o naming the variable', (env, message) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(message);
  });
});
