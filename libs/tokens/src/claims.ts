/** The token types, in the `token` claim (DRF-SSO's names for the first two). */
export const SESSION_TOKEN = 'session';
export const AUTHORIZATION_TOKEN = 'auth';
/** nest-sso's own: the credential of the admin API, never given to a downstream service. */
export const ADMIN_TOKEN = 'admin';
export type TokenType = typeof SESSION_TOKEN | typeof AUTHORIZATION_TOKEN | typeof ADMIN_TOKEN;

/**
 * The one audience of admin tokens: this server's admin API. No downstream service has it in
 * `SSO_AUTHORIZATION_AUDIENCE` (the settings refuse it there), so none accepts an admin token.
 */
export function adminAudience(identity: string): string {
  return `${identity}/admin`;
}

/** Claims common to both token types, wire-compatible with djangorestframework-sso. */
export interface BaseClaims {
  token: TokenType;
  /** Session id (UUID). */
  sid: string;
  /** Client id given at login, `""` if none. */
  cid: string;
  /** User id: the UUID, or the numeric id of users that have one (`tokenUid`). */
  uid: string | number;
  email: string;
  iss: string;
  aud: string[];
  iat: number;
  exp?: number;
  sub: string;
  jti: string;
  /** Custom claims added by a payload builder. */
  [claim: string]: unknown;
}

/** Claims of a session token: never expires unless `SSO_SESSION_EXPIRATION` is set. */
export interface SessionClaims extends BaseClaims {
  token: typeof SESSION_TOKEN;
}

/** Claims of a short-lived authorization token. */
export interface AuthorizationClaims extends BaseClaims {
  token: typeof AUTHORIZATION_TOKEN;
  scopes: string[];
  /** Account (tenant) id the scopes apply to, when the token was issued for one. */
  account?: string;
  exp: number;
}

/**
 * Claims of an admin token (`POST /admin/token`): short-lived, for this server's admin API only.
 * It carries no permissions: the admin API reads the user's from the database on every request.
 */
export interface AdminClaims extends BaseClaims {
  token: typeof ADMIN_TOKEN;
  /** Always the user's UUID: admin tokens are issued by this server alone. */
  uid: string;
  exp: number;
}

export type TokenClaims = SessionClaims | AuthorizationClaims | AdminClaims;
