/** Socket errors that mean the database cannot be reached right now. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
/**
 * PostgreSQL SQLSTATE classes and codes for "not now": connection exceptions, shutdown, overload,
 * and a statement cancelled by `statement_timeout` (57014).
 */
const SQLSTATE = /^(08...|57P0[123]|53300|57014)$/;
/** What node-postgres and its pool say when a connection cannot be made or was lost. */
const MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|not queryable|Connection ended|Query read timeout|the database system is (starting up|shutting down)/i;

/**
 * Whether an error means "the database is unreachable or restarting" (answer 503 and let the
 * client retry) rather than a bug. Looks through TypeORM's `driverError`, `cause` and
 * `AggregateError`s.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const e = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || SQLSTATE.test(e.code)))
    return true;
  if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
  const nested: unknown[] = [
    e.driverError,
    e.cause,
    ...(Array.isArray(e.errors) ? (e.errors as unknown[]) : []),
  ];
  return nested.some((inner) => isDatabaseUnavailable(inner, depth + 1));
}
