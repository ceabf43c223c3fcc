/** Algorithms an RSA key can sign with (`SSO_ENCODE_ALGORITHM`). */
export const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const;
export type SigningAlgorithm = (typeof RSA_ALGORITHMS)[number];
/** Every algorithm a key can be bound to: RSA keys take `SSO_ENCODE_ALGORITHM`, EC P-256 keys ES256, Ed25519 keys EdDSA. */
export const KEY_ALGORITHMS = [...RSA_ALGORITHMS, 'ES256', 'EdDSA'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** Issuer → ordered list of PEM file names relative to the key store root (first one signs). */
export type KeyFileMap = Record<string, string[]>;

/** The whole, validated configuration of the identity server. Built once by `parseConfig`. */
export interface SsoConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  readonly log: {
    readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
    /** `json` lines, or `pretty` for people (development). */
    readonly format: 'json' | 'pretty';
  };
  /** Seconds a SIGTERM waits for in-flight requests before cutting connections. */
  readonly shutdownTimeout: number;
  /**
   * Seconds between a SIGTERM turning readiness red and the listener closing, so that load
   * balancers stop routing here first; requests are served meanwhile (with `Connection: close`).
   */
  readonly shutdownDelay: number;
  /** Bounds of the HTTP server: slow or too many clients must not hold it. */
  readonly http: {
    /** Seconds to receive the request line and headers (Node's `headersTimeout`). */
    readonly headersTimeout: number;
    /** Seconds to receive a whole request, body included (Node's `requestTimeout`); then 408. */
    readonly requestTimeout: number;
    /** Seconds an idle keep-alive connection stays open; above the load balancer's idle timeout. */
    readonly keepAliveTimeout: number;
    /** Most open connections per process; further ones are closed at once. */
    readonly maxConnections: number;
  };
  readonly database: {
    /** PostgreSQL connection string; when absent the embedded database (PGlite) is used. */
    readonly url: string | null;
    /** Directory of the embedded database. */
    readonly dataDir: string;
    /** Run pending migrations at start-up. */
    readonly migrateOnStart: boolean;
    readonly poolSize: number;
    /** Seconds to wait for a new PostgreSQL connection before failing the request. */
    readonly connectTimeout: number;
    /** Start-up attempts to reach PostgreSQL (with back-off) before the process exits. */
    readonly connectAttempts: number;
    /** Seconds PostgreSQL lets one statement run before cancelling it (migrations exempt). */
    readonly statementTimeout: number;
    /**
     * Seconds the server waits for any answer to a query before it gives up on the connection and
     * evicts it from the pool (migrations exempt); longer than `statementTimeout`.
     */
    readonly queryTimeout: number;
    /**
     * Seconds the pool may stay exhausted, with requests waiting and no connection given back,
     * before `/health/live` turns red so that an orchestrator restarts the process.
     */
    readonly stallTimeout: number;
  };
  readonly identity: string;
  readonly sessionAudience: string[];
  readonly authorizationAudience: string[];
  /** Issuers whose tokens are accepted; `null` means any issuer this server holds keys for. */
  readonly acceptedIssuers: string[] | null;
  readonly keyStoreRoot: string;
  readonly privateKeys: KeyFileMap | null;
  /** Seconds between two re-scans of the key store (0: only on change and SIGHUP). */
  readonly keyRescanInterval: number;
  /** `max-age` of the JWKS response, in seconds. */
  readonly jwksMaxAge: number;
  /** Default delay between `keys:generate` and the new key's activation, in seconds. */
  readonly keyPublishAhead: number;
  /** Base URL at which clients reach this server (for the discovery document). */
  readonly publicUrl: string;
  readonly publicKeys: KeyFileMap | null;
  /** Algorithm of RSA keys (EC and Ed25519 keys have their own). */
  readonly encodeAlgorithm: SigningAlgorithm;
  /** Algorithms accepted when verifying; `null` means each key's own algorithm. */
  readonly decodeAlgorithms: KeyAlgorithm[] | null;
  /** Seconds of clock skew tolerated on `exp`/`iat`. */
  readonly expirationLeeway: number;
  /** Lifetime of session tokens in seconds; `null` means they never expire. */
  readonly sessionExpiration: number | null;
  /** Lifetime of authorization tokens in seconds. */
  readonly authorizationExpiration: number;
  /** Lifetime of admin tokens (`POST /admin/token`) in seconds. */
  readonly adminTokenExpiration: number;
  /** Refuse session tokens whose session row is missing or revoked. */
  readonly verifySessionToken: boolean;
  /** Scheme named in `WWW-Authenticate` on 401 responses. */
  readonly authenticateHeader: string;
  /** Minimum seconds between two writes of a session's `last_used_at`. */
  readonly sessionTouchInterval: number;
  /** Seconds of disuse after which a session is refused; `null`: no idle timeout. */
  readonly sessionIdleTimeout: number | null;
  /** Most active sessions per user; a login beyond it revokes the oldest. `null`: no cap. */
  readonly maxSessionsPerUser: number | null;
  /** Progressive lockout of a login name after failed logins (stored in the database). */
  readonly loginLockout: {
    /** Failures allowed before the first lockout. */
    readonly freeAttempts: number;
    /** Length of the first lockout in seconds; each further failure doubles it. */
    readonly baseSeconds: number;
    /** Longest lockout in seconds. */
    readonly maxSeconds: number;
    /** Failures older than this many seconds are forgotten. */
    readonly windowSeconds: number;
  };
  /** Requests per client IP per minute; 0 turns a limit off. */
  readonly rateLimit: {
    readonly login: number;
    readonly authorize: number;
    /** `POST /password` (and `POST /admin/token`): a stolen session token's guesses. */
    readonly password: number;
  };
  /** Redis for the shared rate-limit counters; `null`: counters in memory, per process. */
  readonly redisUrl: string | null;
  /** Proxies whose `X-Forwarded-For` is believed (addresses, CIDRs, or loopback/linklocal/uniquelocal). */
  readonly trustedProxies: string[];
  /** The first admin, created at start-up if missing (`SSO_ADMIN_EMAIL`, `SSO_ADMIN_PASSWORD`). */
  readonly bootstrapAdmin: { readonly email: string; readonly password: string } | null;
  /** Bearer token required by `GET /metrics`; `null`: the metrics are public. */
  readonly metricsToken: string | null;
  /** Origins allowed by CORS; `null`: CORS off; `['*']`: any origin. */
  readonly corsOrigins: string[] | null;
  /**
   * Keys that sign the OpenID Connect provider's browser cookies, newest first (older ones still
   * verify); `null`: a random key per process (browser sign-ins do not survive a restart or reach
   * another replica).
   */
  readonly oidcCookieKeys: string[] | null;
  /** Whether back-channel logout may call loopback and private addresses (dev and tests). */
  readonly oidcAllowPrivateBackchannel: boolean;
  readonly argon2: {
    readonly memoryCost: number;
    readonly timeCost: number;
    readonly parallelism: number;
  };
}
