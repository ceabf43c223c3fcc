import { SsoError } from '@nest-sso/common';

/** Schemes accepted in `Authorization`: DRF-SSO's `JWT`, and the common `Bearer`. */
const SCHEMES = new Set(['jwt', 'bearer']);

/** Extracts the token from `Authorization: JWT <token>` or `Authorization: Bearer <token>`. */
export function tokenFromAuthorizationHeader(header: string | undefined): string {
  if (header === undefined || header.trim() === '') {
    throw new SsoError('not_authenticated', 'Authentication credentials were not provided');
  }
  const parts = header.trim().split(/\s+/);
  if (parts.length !== 2 || !SCHEMES.has(parts[0].toLowerCase())) {
    throw new SsoError(
      'not_authenticated',
      'Send the token as "Authorization: JWT <token>" or "Authorization: Bearer <token>"',
    );
  }
  return parts[1];
}
