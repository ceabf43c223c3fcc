import { FieldError, SsoError } from './sso-error';

/** What node-postgres (and PGlite) put on an error PostgreSQL raised. */
interface DriverError {
  code?: unknown;
  column?: unknown;
  constraint?: unknown;
  detail?: unknown;
  driverError?: unknown;
}

/**
 * The client error a database refusal stands for, or `undefined` when the error is something
 * else. Integrity constraints (SQLSTATE class 23: unique, foreign key, not null, check,
 * exclusion) and data exceptions (class 22: a value too long, out of range, or malformed) mean
 * the request asked for something the schema forbids: a 4xx, never a 500. Services validate
 * first; this is the net under them, used by the HTTP error filter and the CLI alike. The
 * message never repeats the value (PostgreSQL's `detail` does, so it is not passed on).
 */
export function fromDatabaseError(error: unknown): SsoError | undefined {
  const driver = driverErrorOf(error);
  const code = typeof driver?.code === 'string' ? driver.code : undefined;
  if (code === undefined || !/^2[23]/.test(code)) return undefined;
  const column = typeof driver?.column === 'string' ? driver.column : undefined;
  const invalid = (message: string) => {
    const errors: FieldError[] | undefined = column ? [{ field: column, message }] : undefined;
    return new SsoError('validation_failed', 'The request is invalid', errors);
  };
  switch (code) {
    case '23505': // unique_violation
    case '23P01': // exclusion_violation
      return new SsoError('conflict', 'A record with this value already exists');
    case '23503': // foreign_key_violation
      return typeof driver?.detail === 'string' && driver.detail.includes('still referenced')
        ? new SsoError('conflict', 'Other records still refer to this one')
        : new SsoError('not_found', 'A record the request refers to does not exist');
    case '23502': // not_null_violation
      return invalid(`${column ?? 'a field'} must not be null`);
    case '23514': // check_violation
      return invalid(`${column ?? 'a field'} is not an accepted value`);
    case '22001': // string_data_right_truncation
      return invalid(`${column ?? 'a value'} is too long`);
    default:
      return code.startsWith('22')
        ? invalid(`${column ?? 'a value'} is out of range or malformed`)
        : new SsoError('conflict', 'The request conflicts with the stored data');
  }
}

/** The driver's error, directly or inside TypeORM's `QueryFailedError`. */
function driverErrorOf(error: unknown): DriverError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const outer = error as DriverError;
  if (typeof outer.driverError === 'object' && outer.driverError !== null) {
    return outer.driverError;
  }
  return outer;
}
