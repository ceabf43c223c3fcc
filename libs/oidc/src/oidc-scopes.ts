/** The OpenID Connect scopes a grant may hold, and a consent name (others are dropped). */
export const OIDC_SCOPES: ReadonlySet<string> = new Set([
  'openid',
  'profile',
  'email',
  'offline_access',
]);

/** The OpenID Connect scopes among `scopes`, each once, in the order given. */
export function oidcScopesOf(scopes: Iterable<string>): string[] {
  return [...new Set([...scopes].filter((scope) => OIDC_SCOPES.has(scope)))];
}
