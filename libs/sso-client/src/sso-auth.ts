/**
 * Claims of a nest-sso (or djangorestframework-sso) token, as the guard hands them to a route,
 * after the checks of `checkClaims` (see "Token rules" in the README).
 */
export interface SsoClaims {
  /** `"auth"` for authorization tokens, `"session"` for session tokens. */
  token: 'auth' | 'session';
  /** Session id (UUID). */
  sid: string;
  /** Client id given at login; `""` if none. Absent from some DRF-SSO payloads. */
  cid?: string;
  /** User id: a UUID string from nest-sso, a JSON number from DRF-SSO (Django ids). */
  uid: string | number;
  email?: string;
  iss: string;
  aud: string | string[];
  /** Issue time, seconds since the epoch. */
  iat: number;
  /** Expiry, seconds since the epoch; always present on authorization tokens. */
  exp?: number;
  nbf?: number;
  sub?: string;
  jti?: string;
  /** Permissions; always present on authorization tokens. */
  scopes?: string[];
  /** Account (tenant) id, a UUID, when the token was issued for one. */
  account?: string;
  [claim: string]: unknown;
}

/** What `@CurrentAuth()` gives a route: the verified identity, its scopes, and the raw claims. */
export interface SsoAuth<TUser = unknown> {
  /** User id, with its JSON type: a string, or a number for DRF-SSO's Django users. */
  uid: string | number;
  /** Session id, lower-case. */
  sid: string;
  /** The user's email (`""` if the token has none). */
  email: string;
  /** Client id given at login (`""` if none). */
  cid: string;
  /** Account (tenant) id the token was issued for, lower-case, or `null`. */
  account: string | null;
  scopes: string[];
  issuer: string;
  claims: SsoClaims;
  /** What the `authenticatePayload` option returned (for example a local user), if set. */
  user: TUser | undefined;
}
