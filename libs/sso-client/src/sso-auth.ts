/** Claims of a nest-sso (or djangorestframework-sso) token, as the guard hands them to a route. */
export interface SsoClaims {
  /** `"auth"` for authorization tokens, `"session"` for session tokens. */
  token: 'auth' | 'session';
  sid: string;
  cid: string;
  uid: string;
  email: string;
  iss: string;
  aud: string | string[];
  iat: number;
  exp?: number;
  sub?: string;
  jti?: string;
  scopes?: string[];
  account?: string;
  [claim: string]: unknown;
}

/** What `@CurrentAuth()` gives a route: the verified identity, its scopes, and the raw claims. */
export interface SsoAuth<TUser = unknown> {
  uid: string;
  sid: string;
  email: string;
  /** Client id given at login (`""` if none). */
  cid: string;
  /** Account (tenant) id the token was issued for, if any. */
  account: string | null;
  scopes: string[];
  issuer: string;
  claims: SsoClaims;
  /** What the `authenticatePayload` option returned (for example a local user), if set. */
  user: TUser | undefined;
}
