/** The two token types, in the `token` claim (DRF-SSO's names). */
export const SESSION_TOKEN = 'session';
export const AUTHORIZATION_TOKEN = 'auth';
export type TokenType = typeof SESSION_TOKEN | typeof AUTHORIZATION_TOKEN;

/** Claims common to both token types, wire-compatible with djangorestframework-sso. */
export interface BaseClaims {
  token: TokenType;
  /** Session id (UUID). */
  sid: string;
  /** Client id given at login, `""` if none. */
  cid: string;
  /** User id. */
  uid: string;
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

export type TokenClaims = SessionClaims | AuthorizationClaims;
