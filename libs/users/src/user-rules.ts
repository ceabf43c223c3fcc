import { isEmail } from 'class-validator';
import { FieldError, SsoError } from '@nest-sso/common';
import { normalizeLogin } from './normalize-login';

/** Longest email, in characters after normalisation (RFC 5321 §4.5.3.1.3: a 254-octet path). */
export const EMAIL_MAX_LENGTH = 254;
/** Longest username, in characters after normalisation (Django's `AbstractUser.username`). */
export const USERNAME_MAX_LENGTH = 150;
/** Password length bounds, in characters after NFC normalisation (NIST SP 800-63B §5.1.1.2). */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 1024;
/**
 * Longest password a login or a password change accepts as sent: a password stored at the maximum
 * length may arrive decomposed (NFD), up to four characters for one (U+1F82 and Hangul syllables
 * decompose into three or four), and must still reach the verification.
 */
export const PASSWORD_INPUT_MAX_LENGTH = 4 * PASSWORD_MAX_LENGTH;
/** A permission: 1 to 100 of A-Z a-z 0-9 . _ : * - (`reports:view`, `orders:*`). */
export const PERMISSION = /^[A-Za-z0-9._:*-]{1,100}$/;
/** Most permissions one user or membership holds. */
export const MAX_PERMISSIONS = 100;

/**
 * Django's default username characters (`UnicodeUsernameValidator`, `^[\w.@+-]+\Z`: Python's
 * `\w` is letters, numbers and `_`, no combining marks), matched after NFKC like Django's
 * `normalize_username`, so every name Django accepts is accepted and no other.
 */
const USERNAME = /^[\p{L}\p{N}_.@+-]+$/u;

/** Length in Unicode code points: what PostgreSQL's `varchar(n)` counts (not UTF-16 units). */
export function characterCount(value: string): number {
  return Array.from(value).length;
}

/**
 * The input rules of users, in one place for every door: the HTTP API, the admin API, the CLI and
 * the importer call them through `UsersService`, which stores only what they return. Each rule
 * checks the value as it will be stored (normalised), so a limit holds however long the raw
 * input's normalised form grows (NFKC makes U+FDFA 18 characters). Each collects its failures in
 * `errors`, named by `field`.
 */
export const UserRules = {
  /** The normalised email, or `undefined` after recording why it is not one. */
  email: (value: unknown, errors: FieldError[], field = 'email'): string | undefined => {
    if (typeof value !== 'string') return fail(errors, field, `${field} must be a string`);
    const email = normalizeLogin(value);
    if (characterCount(email) > EMAIL_MAX_LENGTH) {
      return fail(errors, field, `${field} must be at most ${EMAIL_MAX_LENGTH} characters`);
    }
    // Checked on the normalised form, which is the one stored and compared.
    if (!isEmail(email)) return fail(errors, field, `${field} must be an email address`);
    return email;
  },

  /** The normalised username, or `undefined` after recording why it is not one. */
  username: (value: unknown, errors: FieldError[], field = 'username'): string | undefined => {
    if (typeof value !== 'string') return fail(errors, field, `${field} must be a string`);
    const username = normalizeLogin(value);
    const length = characterCount(username);
    if (length < 1 || length > USERNAME_MAX_LENGTH) {
      return fail(errors, field, `${field} must be 1 to ${USERNAME_MAX_LENGTH} characters`);
    }
    if (!USERNAME.test(username)) {
      return fail(errors, field, `${field} may hold only letters, digits and @ . + - _`);
    }
    return username;
  },

  /** The NFC form of a new password, or `undefined` after recording why it is refused. */
  password: (value: unknown, errors: FieldError[], field = 'password'): string | undefined => {
    if (typeof value !== 'string') return fail(errors, field, `${field} must be a string`);
    const password = normalizePassword(value);
    const length = characterCount(password);
    if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
      return fail(
        errors,
        field,
        `${field} must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
      );
    }
    if (password.includes('\u0000')) {
      return fail(errors, field, `${field} must not contain NUL characters`);
    }
    return password;
  },

  /** The permissions, without duplicates, or `undefined` after recording why they are refused. */
  permissions: (
    value: unknown,
    errors: FieldError[],
    field = 'permissions',
  ): string[] | undefined => {
    if (!Array.isArray(value) || !value.every((p) => typeof p === 'string')) {
      return fail(errors, field, `${field} must be an array of strings`);
    }
    const permissions = [...new Set(value)];
    if (permissions.length > MAX_PERMISSIONS) {
      return fail(errors, field, `${field} may hold at most ${MAX_PERMISSIONS} entries`);
    }
    if (!permissions.every((p) => PERMISSION.test(p))) {
      return fail(errors, field, `each permission is 1 to 100 of A-Z a-z 0-9 . _ : * -`);
    }
    return permissions;
  },
} as const;

/** Passwords are compared in NFC, so one typed on any keyboard or OS verifies (NIST SP 800-63B). */
export function normalizePassword(password: string): string {
  return password.normalize('NFC');
}

/** Throws `validation_failed` listing `errors`, if there are any. */
export function assertValid(errors: FieldError[]): void {
  if (errors.length > 0) throw new SsoError('validation_failed', 'The request is invalid', errors);
}

/**
 * `permissions` checked by `UserRules.permissions`, or `validation_failed`: for callers that check
 * input before looking anything up, so malformed input is refused as such (4xx, CLI exit 2) and
 * never reported as a missing user or account.
 */
export function validPermissions(permissions: unknown, field = 'permissions'): string[] {
  const errors: FieldError[] = [];
  const accepted = UserRules.permissions(permissions, errors, field);
  assertValid(errors);
  return accepted ?? [];
}

function fail(errors: FieldError[], field: string, message: string): undefined {
  errors.push({ field, message });
  return undefined;
}
