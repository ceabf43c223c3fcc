/**
 * Canonical form of an email or username: Unicode NFKC, trimmed, lower-case. Stored and compared in
 * this form, so `Alice@Example.com` and `alice@example.com` are one user.
 */
export function normalizeLogin(value: string): string {
  return value.normalize('NFKC').trim().toLowerCase();
}
