import type { FieldError } from '@nest-sso/common';
import { characterCount } from '@nest-sso/users';
import { CLIENT_ID_MAX_LENGTH } from './session.entity';

/**
 * The client id given at login (`client_id`, stored with the session and put in `cid`): at most
 * 100 characters as PostgreSQL counts them (code points, so variation selectors and emoji count
 * too), `""` when absent. Returns it, or `undefined` after recording why it is refused.
 */
export function checkClientId(value: unknown, errors: FieldError[]): string | undefined {
  if (value === undefined) return '';
  if (typeof value !== 'string') {
    errors.push({ field: 'client_id', message: 'client_id must be a string' });
    return undefined;
  }
  if (characterCount(value) > CLIENT_ID_MAX_LENGTH) {
    errors.push({
      field: 'client_id',
      message: `client_id must be at most ${CLIENT_ID_MAX_LENGTH} characters`,
    });
    return undefined;
  }
  return value;
}
