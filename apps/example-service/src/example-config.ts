import type { SsoClientOptions } from '@nest-sso/sso-client';

type Env = Record<string, string | undefined>;

export interface ExampleConfig {
  port: number;
  host: string;
  sso: SsoClientOptions;
}

/** The example service's settings, read once from the environment, with errors that name the variable. */
export function exampleConfig(env: Env): ExampleConfig {
  const issuer = env.SSO_ISSUER ?? 'nest-sso';
  const port = Number(env.PORT ?? 3001);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`PORT must be a port number (got "${env.PORT}")`);
  const jwksUrl = env.SSO_JWKS_URL ?? 'http://localhost:3000/.well-known/jwks.json';
  try {
    new URL(jwksUrl);
  } catch {
    throw new Error(`SSO_JWKS_URL must be a URL (got "${jwksUrl}")`);
  }
  const cacheSize = Number(env.SSO_TOKEN_CACHE_SIZE ?? 10_000);
  if (!Number.isInteger(cacheSize) || cacheSize < 0)
    throw new Error(
      `SSO_TOKEN_CACHE_SIZE must be a whole number, 0 to turn the cache off (got "${env.SSO_TOKEN_CACHE_SIZE}")`,
    );
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    sso: {
      identity: env.SSO_CLIENT_IDENTITY ?? 'orders',
      acceptedIssuers: [issuer],
      keys: { jwks: { [issuer]: jwksUrl } },
      leeway: Number(env.SSO_EXPIRATION_LEEWAY ?? 0),
      verifiedTokenCacheSize: cacheSize,
    },
  };
}
