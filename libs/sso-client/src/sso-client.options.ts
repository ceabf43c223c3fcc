import type { SsoAlgorithm } from './key-algorithms';
import type { SsoClaims } from './sso-auth';

/** Where the identity server's public keys come from. */
export type SsoKeySourceOptions =
  | {
      /** JWKS URL per issuer, e.g. `{"https://sso.example.com": "https://sso.example.com/.well-known/jwks.json"}`. */
      jwks: Record<string, string>;
      /**
       * Least seconds between two JWKS requests per issuer, whatever causes them (expiry, an
       * unknown kid, a failure), and least time keys are cached (default 30, at least 1).
       */
      refetchCooldown?: number;
      /** Seconds to keep keys when the JWKS response has no `Cache-Control: max-age` (default 300). */
      defaultMaxAge?: number;
      /** Timeout of one JWKS request, in milliseconds (default 5000). */
      timeout?: number;
    }
  | {
      /** Folder of PEM files, like the server's `SSO_KEY_STORE_ROOT`. */
      keyStoreRoot: string;
      /** Issuer → PEM file or ordered list of files (relative to the root); kid = file name without `.pem`. */
      publicKeys: Record<string, string | string[]>;
    };

export interface SsoClientOptions<TUser = unknown> {
  /** This service's identity: tokens must list it in `aud`. */
  identity: string;
  /** Issuers whose tokens are accepted. */
  acceptedIssuers: string[];
  keys: SsoKeySourceOptions;
  /**
   * Accepted signing algorithms (default `DEFAULT_ALGORITHMS`: every algorithm a nest-sso server
   * signs with, RS256/384/512, PS256/384/512, ES256 and EdDSA; ES384 and ES512 may be added). A
   * token is verified only with a key whose type fits its algorithm, and whose JWK `alg`, if any,
   * is that algorithm.
   */
  algorithms?: SsoAlgorithm[];
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat` (default 0), like the server's `SSO_EXPIRATION_LEEWAY`. */
  leeway?: number;
  /** Accept session tokens too (default false: only short-lived authorization tokens). */
  acceptSessionTokens?: boolean;
  /**
   * Maps verified claims to a local user (e.g. get-or-create by iss + uid); the result is
   * `SsoAuth.user`. Returning `null` or `undefined` refuses the token with a 401.
   */
  authenticatePayload?: (
    claims: SsoClaims,
  ) => TUser | null | undefined | Promise<TUser | null | undefined>;
  /**
   * How many verified tokens to remember (default 10000; 0 turns the cache off). A remembered
   * token skips the signature check until it expires, as long as its key is still published;
   * `authenticatePayload` still runs on every request.
   */
  verifiedTokenCacheSize?: number;
  /** Install the guard on every route (default true); opt routes out with `@Public()`. */
  global?: boolean;
  /** Scheme named in `WWW-Authenticate` on 401 answers (default `JWT`, as the identity server). */
  authenticateHeader?: string;
}

/** Injection token of the module options. */
export const SSO_CLIENT_OPTIONS = Symbol('SSO_CLIENT_OPTIONS');
